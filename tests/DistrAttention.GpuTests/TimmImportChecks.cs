using System.Text.Json;
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Native;
using DistrAttention.Runtime;
using DistrAttention.Vit.Weights;
using Microsoft.ML;
using Microsoft.ML.DistrAttention;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.GpuTests;

/// <summary>
/// <c>distrattention-gpu timm-check DIR [--device cuda|cpu] [--train-images N]</c>: the checkpoints that
/// <c>bench/pytorch/export_timm_checkpoints.py DIR</c> wrote with timm (random weights, fixed seeds) are imported with
/// <see cref="VitCheckpoint.LoadTimmWeights"/> and must reproduce timm's logits on its fixed batch: in float32 (TF32
/// off) to 1e-4 relative, in BFloat16 precision to a bound derived from bf16's unit roundoff; the Hugging Face-named
/// export must give the same weights and logits. Then the imported ViT-Tiny is fine-tuned for one epoch through the
/// ML.NET trainer (<c>InitialModelPath</c>, Exact → DistrAttention G = 2, l = 64, a new 10-class head) on the embedded
/// Fashion-MNIST subset and scored on its test split. <c>--device cpu</c> runs the device checks on the CPU instead
/// (to try the check on a machine without a GPU; slow for the fine-tune). Log: DIR/timm-check.log.
/// </summary>
internal static class TimmImportChecks
{
    /// <summary>Float32 bound on the relative Frobenius error of the logits and on the worst row (the issue's bar).</summary>
    private const double Float32Tolerance = 1e-4;

    /// <summary>bf16's unit roundoff: 8 significant bits, round to nearest.</summary>
    private const double BFloat16UnitRoundoff = 1.0 / 256;

    /// <summary>
    /// The BFloat16 bounds: 5u = 1.95e-2 on the batch's relative Frobenius error, 6u = 2.34e-2 on its worst row. Under
    /// <see cref="ComputePrecision.BFloat16"/> every matrix product (patch convolution, qkv, QKᵀ and PV inside attention,
    /// proj, fc1, fc2, head) rounds its two operands to bf16 and its float32-accumulated result to bf16 again: three
    /// roundings of relative error at most u, about u/√3 rms each, so ≈ u rms per product output (the terms of a dot
    /// product have mixed signs, so their independent errors add like the terms themselves). Layer norm, softmax's
    /// sums, the residual stream and the logits stay float32. The logits are the head's product (u) on the final layer
    /// norm of the residual stream, which passes relative errors through; the stream carries the patch embedding's
    /// error (u) and the blocks' branch errors (attention: qkv, QKᵀ, PV, proj, four products in series, ≈ 2u of its
    /// output; the MLP's two, ≈ 1.4u), weighted by the branches' share of the stream, at most all of it (≈ 2u): in
    /// quadrature √(1 + 1 + 4)·u ≈ 2.4u expected in all. Measured on the CPU (this check with --device cpu, libtorch
    /// 2.10, export from timm 1.0.29.dev0): 1.9u, 2.2u and 2.4u for Tiny, Small and Base-384, worst rows 2.3u to 2.5u.
    /// The factors leave 2× (2.4× for rows) for other kernels' rounding (cuBLAS, cuDNN, flash attention), while a wrong
    /// weight, a swapped q/k/v or a missed layer norm, errors of order 1, stay far above.
    /// </summary>
    private const double BFloat16Factor = 5, BFloat16RowFactor = 6;

    private const int FineTuneSeed = 1;

    public static int Run(string[] args)
    {
        if (args.Length < 1 || args[0].StartsWith('-'))
        {
            Console.Error.WriteLine("usage: distrattention-gpu timm-check DIR [--device cuda|cpu] [--train-images N]  " +
                                    "(DIR written by bench/pytorch/export_timm_checkpoints.py)");
            return 2;
        }
        string dir = Path.GetFullPath(args[0]);
        string deviceName = Option(args, "--device") ?? "cuda";
        int trainImages = int.Parse(Option(args, "--train-images") ?? "10000");
        string manifestPath = Path.Combine(dir, "manifest.json");
        if (!File.Exists(manifestPath))
        {
            Console.Error.WriteLine($"timm-check: {manifestPath} does not exist; run bench/pytorch/export_timm_checkpoints.py {args[0]} first.");
            return 2;
        }
        using var log = new StreamWriter(Path.Combine(dir, "timm-check.log"));
        var h = new Harness(log);
        TorchRuntime.EnsureInitialized();
        bool cuda = deviceName == "cuda";
        if (cuda && !TorchRuntime.CudaAvailable)
        {
            h.Write("SKIP: CUDA is not available (no GPU or no CUDA libtorch: set DISTRATTENTION_LIBTORCH); timm-check did not run.");
            h.Write(h.Summary);
            return 0;
        }
        var device = cuda ? CUDA : CPU;
        var manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllText(manifestPath), JsonOptions)
                       ?? throw new InvalidDataException($"{manifestPath} is empty.");
        h.Write($"timm-check: {dir}; exported with timm {manifest.Timm}, torch {manifest.Torch}; device {deviceName}; " +
                $"libtorch {TorchRuntime.LoadedLibTorchDirectory}; native {NativeKernels.LibraryPath ?? "(none)"}");

        // Float32 on CUDA must be float32: PyTorch lets cuDNN convolutions (the patch embedding) use TF32 by default,
        // and the trainer turns TF32 on for matmuls during training only; both are off for the comparisons here.
        bool matmulTf32 = backends.cuda.matmul.allow_tf32, cudnnTf32 = backends.cudnn.allow_tf32;
        backends.cuda.matmul.allow_tf32 = false;
        backends.cudnn.allow_tf32 = false;
        try
        {
            foreach (var entry in manifest.Models)
                CheckModel(h, dir, entry, device, deviceName);
        }
        finally
        {
            backends.cuda.matmul.allow_tf32 = matmulTf32;
            backends.cudnn.allow_tf32 = cudnnTf32;
        }
        if (manifest.Models.FirstOrDefault(m => m.Name == "vit_tiny_patch16_224") is { } tiny)
            FineTune(h, dir, tiny, cuda ? ComputeDevice.Cuda : ComputeDevice.Cpu, trainImages);
        else
            h.Check("fine-tune the imported vit_tiny_patch16_224", () => "the manifest has no vit_tiny_patch16_224");
        h.Write(h.Summary);
        return h.Failed == 0 ? 0 : 1;
    }

    private static void CheckModel(Harness h, string dir, ModelEntry m, Device device, string deviceName)
    {
        string id = $"{m.Name} (weights seed {m.Seed}, input seed {m.InputSeed})";
        VitConfig? config = null;
        h.Check($"{id}: manifest matches the VitConfig preset", () =>
        {
            config = Preset(m);
            var fromManifest = new VitConfig
            {
                ImageSize = m.ImageSize, PatchSize = m.PatchSize, Channels = m.Channels, EmbedDim = m.EmbedDim,
                Depth = m.Depth, NumHeads = m.NumHeads, MlpRatio = m.MlpRatio, NumClasses = m.NumClasses,
                Attention = AttentionOptions.Exact,
            };
            string detail = $"width {m.EmbedDim}, depth {m.Depth}, {m.NumHeads} heads, MLP ratio {m.MlpRatio}, " +
                            $"{m.Channels}×{m.ImageSize}² px, patch {m.PatchSize}, {m.NumClasses} classes";
            return fromManifest == config ? "ok: " + detail : $"{detail}; the preset is {config}";
        });
        if (config is null) return;

        using var io = SafeTensors.Read(Path.Combine(dir, m.Io));
        var images = io.Tensors["images"];
        var expected = io.Tensors["logits"];
        var expected64 = io.Tensors.GetValueOrDefault("logits_float64");
        using var model = new VisionTransformer(config);
        h.Check($"{id}: LoadTimmWeights({m.Weights}) into an Exact ViT, 1000 classes", () =>
        {
            VitCheckpoint.LoadTimmWeights(model, Path.Combine(dir, m.Weights));
            return $"ok: {model.state_dict().Count} tensors, {config.ParameterCount():N0} parameters";
        });
        model.eval();

        Tensor? deviceLogits = null;
        void Compare(string what, Device on, ComputePrecision precision, double tolerance, double rowTolerance, bool keep = false)
        {
            h.Check($"{id}: {what} logits vs timm's float32 CPU logits (relative Frobenius ≤ {tolerance:G3}, worst row ≤ {rowTolerance:G3})", () =>
            {
                model.to(on);
                model.Precision = precision;
                Tensor logits;
                using (no_grad())
                    logits = model.forward(images.to(on)).to(ScalarType.Float32).cpu();
                if (keep) deviceLogits = logits;
                double error = TensorMath.RelativeError(logits, expected);
                double row = TensorMath.WorstRowError(logits, expected);
                double maxAbs = logits.sub(expected).abs().max().item<float>();
                bool argmax = logits.argmax(1).eq(expected.argmax(1)).all().item<bool>();
                string versus64 = expected64 is null ? "" : $", vs timm float64 {TensorMath.RelativeError(logits, expected64):E2}";
                string detail = $"rel err {error:E2}, worst row {row:E2}, max |Δ| {maxAbs:E2} (|logits| max {expected.abs().max().item<float>():F3}), " +
                                $"argmax {(argmax ? "identical" : "differs")}{versus64}; TF32 matmul {backends.cuda.matmul.allow_tf32}, cuDNN {backends.cudnn.allow_tf32}";
                return error <= tolerance && row <= rowTolerance ? "ok: " + detail : detail;
            });
        }

        double bf16 = BFloat16Factor * BFloat16UnitRoundoff, bf16Row = BFloat16RowFactor * BFloat16UnitRoundoff;
        Compare($"{deviceName} Float32", device, ComputePrecision.Float32, Float32Tolerance, Float32Tolerance, keep: true);
        Compare($"{deviceName} BFloat16 precision (bound {BFloat16Factor}u / {BFloat16RowFactor}u, u = 2^-8)", device,
            ComputePrecision.BFloat16, bf16, bf16Row);
        if (device.type != DeviceType.CPU && m.Name == "vit_tiny_patch16_224")
            Compare("CPU Float32", CPU, ComputePrecision.Float32, Float32Tolerance, Float32Tolerance);

        if (m.HfWeights is { } hfFile)
            h.Check($"{id}: Hugging Face-named {hfFile} gives the same weights and {deviceName} Float32 logits as {m.Weights}", () =>
            {
                using var hf = new VisionTransformer(config);
                VitCheckpoint.LoadTimmWeights(hf, Path.Combine(dir, hfFile));
                hf.eval();
                model.to(CPU);
                var timmState = model.state_dict();
                var differing = hf.state_dict().Where(p => !TensorsEqual(p.Value, timmState[p.Key])).Select(p => p.Key).ToList();
                if (differing.Count > 0)
                    return $"{differing.Count} tensors differ from the timm file's: {string.Join(", ", differing.Take(10))}";
                hf.to(device);
                Tensor logits;
                using (no_grad())
                    logits = hf.forward(images.to(device)).cpu();
                double versusTimmFile = deviceLogits is null ? double.NaN : TensorMath.RelativeError(logits, deviceLogits);
                double versusTimm = TensorMath.RelativeError(logits, expected);
                string detail = $"{hf.state_dict().Count} tensors bitwise equal; logits vs the timm file's {versusTimmFile:E2}, vs timm {versusTimm:E2}";
                return versusTimmFile <= 1e-6 && versusTimm <= Float32Tolerance ? "ok: " + detail : detail;
            });
        model.to(CPU);
    }

    private static bool TensorsEqual(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.cpu().eq(b.cpu()).all().item<bool>();

    /// <summary>
    /// Imports vit_tiny, saves it with <see cref="VitCheckpoint.Save(VisionTransformer, string)"/>, and fine-tunes it one
    /// epoch through the ML.NET trainer (<c>InitialModelPath</c>; DistrAttention G = 2, l = 64; 10 classes, so the head is
    /// new) on the embedded Fashion-MNIST subset. The 28×28 grey images become the checkpoint's 3×224×224 input inside
    /// the trainer (channels from the model's config: grey copied to R, G and B; bilinear resize); the held-out part is
    /// the subset's test split, never trained on.
    /// </summary>
    private static void FineTune(Harness h, string dir, ModelEntry tiny, ComputeDevice device, int trainImages)
    {
        string imported = Path.Combine(dir, $"{tiny.Name}.imported.safetensors");
        h.Check($"{tiny.Name}: import and VitCheckpoint.Save → {Path.GetFileName(imported)}", () =>
        {
            using var model = new VisionTransformer(Preset(tiny));
            VitCheckpoint.LoadTimmWeights(model, Path.Combine(dir, tiny.Weights));
            VitCheckpoint.Save(model, imported);
            using var reloaded = VitCheckpoint.Load(imported);
            var state = model.state_dict();
            bool same = reloaded.state_dict().All(p => TensorsEqual(p.Value, state[p.Key]));
            return same ? $"ok: {new FileInfo(imported).Length:N0} bytes, reloads to identical tensors" : "the saved checkpoint reloads to other tensors";
        });
        if (!File.Exists(imported)) return;

        if (!EmbeddedImages.Exist)
        {
            h.Check("fine-tune data", () => EmbeddedImages.Missing);
            return;
        }
        var allTrain = EmbeddedImages.Train();
        int stride = Math.Max(1, allTrain.Count / Math.Max(1, trainImages));
        int trainCount = allTrain.CountOf(stride, trainImages);
        var test = EmbeddedImages.Test();
        var attention = new AttentionOptions { Kind = AttentionKind.DistrAttention, GroupSize = 2, BlockSize = 64 };
        var options = new VitImageClassificationTrainer.Options
        {
            InitialModelPath = imported,
            Attention = attention,
            Epochs = 1,
            BatchSize = 64,
            LearningRate = 1e-3,
            WarmupEpochs = 0.2,
            RandomCrop = false,
            HorizontalFlip = false,
            Device = device,
            Seed = FineTuneSeed,
        };
        // Chance is 10 %; a model that learned nothing stays there whatever its start. The same run on the CPU (--device
        // cpu: Float32, reference DistrAttention, 10,000 images, 156 steps) reached 35.9 % (train accuracy 29.3 %, loss
        // 1.919): the timm weights are random, so one short epoch only starts the learning. 25 % (2.5× chance) is a
        // clear margin below that for bf16 and CUDA's other random streams.
        const double bar = 0.25;
        h.Check($"{tiny.Name}: fine-tune 1 epoch via InitialModelPath, Exact → DistrAttention G = 2, l = 64, 10 classes, " +
                $"{trainCount} training images ({(stride == 1 ? "all" : $"every {stride}th")}), seed {FineTuneSeed}, {device}: held-out accuracy ≥ {bar:P0} (chance 10 %)", () =>
        {
            var ml = new MLContext(seed: FineTuneSeed);
            var (model, vit) = TrainerPipeline.Fit(ml, allTrain.View(ml, stride, trainImages), options);
            try
            {
                var config = vit.Config;
                if (config.Attention != attention || config.NumClasses != 10 || config.ImageSize != 224 || config.Channels != 3)
                    return $"the fine-tuned model is {config}, expected the imported 3×224² ViT-Tiny with {attention} and 10 classes";
                var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test.View(ml)));
                var epoch = vit.History.Epochs[^1];
                string detail = $"test accuracy {metrics.MicroAccuracy:P1} on {test.Count} held-out images (log-loss {metrics.LogLoss:F3}); " +
                                $"epoch: train loss {epoch.TrainLoss:F3}, train accuracy {epoch.TrainAccuracy:P1}, {epoch.Elapsed.TotalSeconds:F1} s " +
                                $"({trainCount / epoch.Elapsed.TotalSeconds:F0} images/s); precision {vit.Precision}, " +
                                $"native library {(NativeKernels.IsAvailable ? "loaded" : "not loaded")}";
                return metrics.MicroAccuracy >= bar ? "ok: " + detail : detail;
            }
            finally
            {
                foreach (var t in model as IEnumerable<ITransformer> ?? [model]) (t as IDisposable)?.Dispose();
            }
        });
    }

    private static VitConfig Preset(ModelEntry m)
    {
        var config = m.EmbedDim switch
        {
            192 => VitConfig.Tiny(m.ImageSize, m.NumClasses, m.Channels, m.PatchSize),
            384 => VitConfig.Small(m.ImageSize, m.NumClasses, m.Channels, m.PatchSize),
            768 => VitConfig.Base(m.ImageSize, m.NumClasses, m.Channels, m.PatchSize),
            _ => throw new InvalidDataException($"{m.Name}: embed dim {m.EmbedDim} is none of the Tiny/Small/Base presets (192/384/768)."),
        };
        return config with { Attention = AttentionOptions.Exact };
    }

    private static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private sealed record Manifest(string Timm, string Torch, List<ModelEntry> Models);

    private sealed record ModelEntry(
        string Name, string Weights, string Io, int ImageSize, int PatchSize, int Channels, int EmbedDim, int Depth,
        int NumHeads, double MlpRatio, int NumClasses, long Seed, long InputSeed, int Batch, string? HfWeights);
}
