using System.Diagnostics;
using System.Text.Json;
using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Runtime;
using DistrAttention.Vit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ImageClassification.Benchmark;

/// <summary>Everything one <c>benchmark --train</c> run measured.</summary>
/// <param name="Training">C# training steps, one per configuration and attention.</param>
/// <param name="PyTorchTraining">PyTorch training steps (exact attention), one per configuration.</param>
/// <param name="Inference">C# forwards (<see cref="VitBenchmark"/>, whole model in float16 on CUDA).</param>
/// <param name="PyTorchInference">PyTorch float16 eager forwards.</param>
/// <param name="PyTorchError">Why the PyTorch script gave nothing, or empty.</param>
/// <param name="InferenceDType">Element type of the C# inference (float16 on CUDA, float32 on the CPU).</param>
public sealed record TrainBenchmarkResult(IReadOnlyList<TrainMeasurement> Training, IReadOnlyList<PyTorchMeasurement> PyTorchTraining,
    IReadOnlyList<BenchmarkRow> Inference, IReadOnlyList<PyTorchMeasurement> PyTorchInference, string PyTorchError,
    string InferenceDType = "float16");

/// <summary>
/// Times the ViT training step (<see cref="TrainingStep"/>: forward, label-smoothed cross-entropy, backward, clipping,
/// AdamW) for each configuration with Exact attention and DistrAttention (Mean, the given G and l), each in a fresh
/// child process of this executable so that its device memory (total − free, <see cref="GpuMemory"/>) is its own;
/// then runs the PyTorch script (same ViT in PyTorch eager) and the float16 inference comparison.
/// </summary>
public static class TrainBenchmark
{
    /// <summary>Prefix of the one line a child writes to standard output: the measurement as JSON follows.</summary>
    public const string ResultMarker = "TRAIN-BENCH-RESULT ";

    /// <summary>Minimum warm-up time on CUDA (besides the warm-up steps), so that the GPU has left its idle clocks.</summary>
    public static readonly TimeSpan MinimumWarmup = TimeSpan.FromSeconds(0.5);

    /// <summary>Runs every measurement; <paramref name="log"/> sees progress lines.</summary>
    public static TrainBenchmarkResult Run(TrainBenchmarkSettings s, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(log);
        s.Validate();
        // 1. C# training steps. The parent process does no CUDA work until the children are done: device memory is
        //    device-wide, so whatever this process held would count in every child's figure.
        var training = new List<TrainMeasurement>();
        foreach (var c in TrainCase.All(s))
        {
            var m = s.InProcess ? Measure(c) : MeasureInChild(c);
            training.Add(m);
            log(Describe(m));
        }

        // 2. PyTorch (one fresh process per configuration for training, inside the script).
        var pyTraining = new List<PyTorchMeasurement>();
        var pyInference = new List<PyTorchMeasurement>();
        var errors = new List<string>();
        if (s.PyTorchScript is not null)
        {
            var (rows, error) = PyTorchBaseline.Run(s, "train", log);
            pyTraining.AddRange(rows);
            if (error.Length > 0) errors.Add("train: " + error);
            if (!s.SkipInference)
            {
                (rows, error) = PyTorchBaseline.Run(s, "infer", log);
                pyInference.AddRange(rows);
                if (error.Length > 0) errors.Add("infer: " + error);
            }
        }

        // 3. C# inference, in this process (last: it holds device memory from now on).
        var inference = new List<BenchmarkRow>();
        string inferenceDType = "";
        if (!s.SkipInference)
        {
            var device = TorchRuntime.Resolve(s.Device == "cuda" ? ComputeDevice.Cuda : ComputeDevice.Cpu);
            var inferenceSettings = InferenceSettings(s, device);
            inferenceDType = inferenceSettings.DType == ScalarType.Float16 ? "float16" : "float32";
            inference.AddRange(VitBenchmark.Run(inferenceSettings, r => log(
                $"inference {r.Model} {r.ImageSize}px {r.Attention} G={r.GroupSize}: {r.ImagesPerSecond:F1} images/s {r.Note}"), s.Configs));
        }
        return new TrainBenchmarkResult(training, pyTraining, inference, pyInference, string.Join("; ", errors), inferenceDType);
    }

    /// <summary>The <see cref="VitBenchmark"/> settings of the inference comparison: float16 on CUDA (float32 on the CPU),
    /// Exact and native DistrAttention, forwards only.</summary>
    public static BenchmarkSettings InferenceSettings(TrainBenchmarkSettings s, Device device) => new(
        device, device.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32,
        s.Configs.Select(c => c.Model).Distinct().ToList(), s.Configs.Select(c => c.ImageSize).Distinct().ToList(),
        s.GroupSizes, [s.BlockSize], s.Batch, Math.Min(3, s.Warmup), s.InferenceRepetitions, s.OutputDirectory,
        SkipReference: true, EndToEndOnly: true, Classes: s.Classes, Channels: s.Channels, PatchSize: s.PatchSize);

    /// <summary>One progress line.</summary>
    public static string Describe(TrainMeasurement m) =>
        $"train {m.Model} {m.ImageSize}px {m.Attention} G={m.GroupSize} ({m.Implementation}, {m.Precision}): {m.MsPerStep:F2} ms/step, " +
        $"{m.ImagesPerSecond:F1} images/s, device memory {m.MemoryUsedMiB:F0} MiB (baseline {m.MemoryBaselineMiB:F0}), loss {m.Loss:F4} {m.Note}";

    /// <summary>Runs <paramref name="c"/> in a child process of this executable (<c>benchmark --single</c>).</summary>
    public static TrainMeasurement MeasureInChild(TrainCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var empty = Empty(c, "", "");
        try
        {
            var (file, arguments) = ChildProcess.SelfCommand(
                Environment.ProcessPath ?? throw new InvalidOperationException("Environment.ProcessPath is unknown: use --in-process."),
                Environment.GetCommandLineArgs(), ["--single", c.ToJson()]);
            var result = ChildProcess.Run(file, arguments, TimeSpan.FromSeconds(c.Settings.ChildTimeoutSeconds));
            string? line = result.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r'))
                .LastOrDefault(l => l.StartsWith(ResultMarker, StringComparison.Ordinal));
            if (line is null)
                return empty with { Note = $"child process exited with {result.ExitCode} and no result: {result.Tail()}" };
            var m = JsonSerializer.Deserialize<TrainMeasurement>(line[ResultMarker.Length..], BenchJson.Options)!;
            return m with { Note = m.Note ?? "", Implementation = m.Implementation ?? "", Device = m.Device ?? "" };
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or JsonException)
        {
            return empty with { Note = e.GetType().Name + ": " + FirstLine(e.Message) };
        }
    }

    /// <summary>
    /// Measures one case in this process: builds the model on the device, warms up (at least
    /// <see cref="TrainBenchmarkSettings.Warmup"/> steps and, on CUDA, <see cref="MinimumWarmup"/>), then times
    /// <see cref="TrainBenchmarkSettings.Repetitions"/> runs of <see cref="TrainBenchmarkSettings.Steps"/> back-to-back steps between two
    /// synchronisations and reports the median per step. Failures (out of memory, unsupported options) become a note.
    /// </summary>
    public static TrainMeasurement Measure(TrainCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var s = c.Settings;
        string implementation = c.GroupSize == 1 ? "sdpa" : "";
        var result = Empty(c, implementation, s.Device == "cuda" ? "CUDA" : "CPU");
        try
        {
            var device = TorchRuntime.Resolve(s.Device == "cuda" ? ComputeDevice.Cuda : ComputeDevice.Cpu);
            bool cuda = device.type == DeviceType.CUDA;
            double baseline = double.NaN;
            if (cuda)
            {
                using (var probe = ones(1, device: device)) SyncCuda(); // creates the CUDA context
                baseline = GpuMemory.Query()?.UsedMiB ?? double.NaN;
                result = result with { Device = GpuMemory.DeviceName() ?? "CUDA", MemoryBaselineMiB = baseline };
                if (s.Precision == ComputePrecision.Float32) TorchRuntime.UseTf32(device);
            }
            var config = VitModels.Config(c.Model, c.ImageSize, s.Classes, s.Channels, s.PatchSize) with
            {
                Attention = c.GroupSize == 1 ? AttentionOptions.Exact : new AttentionOptions
                {
                    Kind = AttentionKind.DistrAttention, GroupSize = c.GroupSize, BlockSize = s.BlockSize, Mode = DistrAttentionMode.Mean,
                },
            };
            manual_seed(1);
            using var model = new VisionTransformer(config);
            model.to(device);
            model.Precision = s.Precision;
            using var step = new TrainingStep(model, new TrainingStepOptions { LearningRate = s.LearningRate });
            using var images = randn([s.Batch, s.Channels, c.ImageSize, c.ImageSize], ScalarType.Float32, device);
            using var labels = randint(0, s.Classes, [s.Batch], ScalarType.Int64, device);
            Tensor? lastLoss = null;
            void One()
            {
                using var scope = NewDisposeScope();
                var r = step.Run(images, labels);
                lastLoss?.Dispose();
                lastLoss = r.Loss.DetachFromDisposeScope();
            }

            var warm = Stopwatch.StartNew();
            for (int i = 0; i < s.Warmup || (cuda && warm.Elapsed < MinimumWarmup); i++)
            {
                One();
                if (cuda) SyncCuda();
            }
            double ms = DeviceTimer.MedianMilliseconds(One, device, warmup: 0, s.Repetitions, s.Steps);
            float loss = lastLoss?.item<float>() ?? float.NaN; // a float32 scalar; read after the timing (a sync)
            lastLoss?.Dispose();
            double used = cuda ? GpuMemory.Query()?.UsedMiB ?? double.NaN : double.NaN;
            var notes = new List<string>();
            if (c.GroupSize > 1) implementation = ImplementationOf(model, cuda);
            if (!float.IsFinite(loss)) notes.Add("LOSS NOT FINITE");
            if (step.SkippedSteps > 0) notes.Add($"{step.SkippedSteps} float16 steps skipped (overflow)");
            if (cuda && !double.IsFinite(used)) notes.Add("device memory unknown (no libcudart found)");
            return result with
            {
                Implementation = implementation, MsPerStep = ms, ImagesPerSecond = s.Batch / (ms / 1000),
                MemoryUsedMiB = used, Loss = loss, Note = string.Join("; ", notes),
            };
        }
        catch (Exception e) when (e is OutOfMemoryException or System.Runtime.InteropServices.ExternalException
                                      or NotSupportedException or ArgumentException or InvalidOperationException or TorchRuntimeException)
        {
            return result with { Implementation = implementation, Note = e.GetType().Name + ": " + FirstLine(e.Message) };
        }
    }

    /// <summary>Runs <see cref="Measure"/> for the JSON case <paramref name="json"/> and writes the result line.</summary>
    public static int RunSingle(string json, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var m = Measure(TrainCase.FromJson(json));
        output.WriteLine(ResultMarker + JsonSerializer.Serialize(m, BenchJson.Options));
        output.Flush();
        return 0;
    }

    private static TrainMeasurement Empty(TrainCase c, string implementation, string device)
    {
        var s = c.Settings;
        int tokens = (c.ImageSize / Math.Max(1, s.PatchSize)) * (c.ImageSize / Math.Max(1, s.PatchSize)) + 1;
        return new TrainMeasurement(c.Model, c.ImageSize, tokens, c.Attention, c.GroupSize, implementation,
            s.Precision.ToString(), s.Batch, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, device, "");
    }

    /// <summary>Which DistrAttention path the last step ran: the kernel module's <c>LastPath</c> where it has one
    /// (native kernels), else its type (the reference).</summary>
    private static string ImplementationOf(VisionTransformer model, bool cuda)
    {
        object kernel = model.Blocks[0].Attention.Kernel;
        string path = kernel.GetType().GetProperty("LastPath")?.GetValue(kernel)?.ToString() ?? "";
        if (path.Length > 0) return path;
        string type = kernel.GetType().Name;
        return type.Contains("Reference", StringComparison.Ordinal) || !cuda ? "Reference" : type;
    }

    private static void SyncCuda() => torch.cuda.synchronize();

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
