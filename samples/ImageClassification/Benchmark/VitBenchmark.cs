using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace ImageClassification.Benchmark;

/// <summary>
/// ViT inference speed with Exact (scaled_dot_product_attention), DistrAttention reference and DistrAttention native
/// attention: end-to-end images/s (forward, no grad, whole model in the chosen dtype; the variants of one model and size
/// interleaved in rounds, <see cref="InterleavedTimer"/>) and one attention call on [batch, H, N, d] tensors (attention
/// time per layer).
/// </summary>
public static class VitBenchmark
{
    /// <summary>Attention-only calls per synchronised repetition (their per-call time is reported).</summary>
    public const int AttentionCallsPerRepetition = 10;

    /// <summary>Runs every configuration; <paramref name="report"/> sees each row as it is measured.</summary>
    /// <param name="s">What to measure.</param>
    /// <param name="report">Sees each row.</param>
    /// <param name="configs">The models and sizes to run, in order; null: every model at every size of <paramref name="s"/>.</param>
    public static List<BenchmarkRow> Run(BenchmarkSettings s, Action<BenchmarkRow> report, IReadOnlyList<ModelAtSize>? configs = null)
    {
        var rows = new List<BenchmarkRow>();
        using var noGrad = no_grad();
        WarmUpDevice(s.Device);
        configs ??= s.Models.SelectMany(m => s.ImageSizes.Select(size => new ModelAtSize(m, size))).ToList();
        foreach (var (name, size) in configs)
            foreach (var row in MeasureModel(s, name, size))
            {
                rows.Add(row);
                report(row);
            }
        return rows;
    }

    /// <summary>
    /// Every attention variant of one model and size: the end-to-end forwards interleaved (<see cref="InterleavedTimer"/>,
    /// one model whose attention is swapped, the same input images), then one attention call per variant.
    /// </summary>
    private static List<BenchmarkRow> MeasureModel(BenchmarkSettings s, string name, int size)
    {
        var config = VitModels.Config(name, size, s.Classes, s.Channels, s.PatchSize);
        var variants = Variants(s)
            .Select(v => (v.Label, v.Options, Row: EmptyRow(config, name, v.Label, v.Options), Why: WhyNotRunnable(s, config, v.Label, v.Options)))
            .ToList();
        var rows = variants.Select(v => v.Row with { Note = v.Why ?? "" }).ToArray();
        var runnable = Enumerable.Range(0, variants.Count).Where(i => variants[i].Why is null).ToList();

        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(config with { Attention = AttentionOptions.Exact });
        model.eval();
        model.to(s.Device);
        model.to(s.DType);
        var images = randn([s.Batch, config.Channels, config.ImageSize, config.ImageSize], s.DType, s.Device);
        var timings = InterleavedTimer.Run(
            runnable.Select(i => new TimedVariant(variants[i].Label, () => model.SetAttention(variants[i].Options),
                () => { using var d = NewDisposeScope(); model.forward(images); })).ToList(),
            s.Device, s.Warmup, s.Repetitions, s.Rounds, IsExpectedFailure);
        foreach (var (i, t) in runnable.Zip(timings))
        {
            rows[i] = t.Error is { } e
                ? rows[i] with { Note = FailureNote(e) }
                : rows[i] with
                {
                    ImagesPerSecond = s.Batch / (t.MedianMs / 1000),
                    RoundImagesPerSecond = t.RoundMedianMs.Select(ms => s.Batch / (ms / 1000)).ToList(),
                };
            if (t.Error is null && !s.EndToEndOnly)
                rows[i] = MeasureAttentionCall(s, config, variants[i].Options, rows[i]);
        }
        return [.. rows];
    }

    private static BenchmarkRow EmptyRow(VitConfig config, string name, string label, AttentionOptions options)
    {
        bool exact = options.Kind == AttentionKind.Exact;
        return new BenchmarkRow(name, config.ImageSize, config.TokenCount, label, exact ? 1 : options.GroupSize,
            exact ? 0 : options.BlockSize, double.NaN, double.NaN, "");
    }

    /// <summary>Why a variant cannot run here (the native kernel needs CUDA and a supported shape), or null.</summary>
    private static string? WhyNotRunnable(BenchmarkSettings s, VitConfig config, string label, AttentionOptions options)
    {
        if (label != "Native") return null;
        if (s.Device.type != DeviceType.CUDA) return "needs CUDA";
        if (!NativeKernels.IsAvailable) return NativeKernels.UnavailableReason ?? "";
        return NativeSupport.WhyNot(config.HeadDim, config.HeadDim, options, s.DType);
    }

    private static string FailureNote(Exception e) => e.GetType().Name + ": " + e.Message.Split('\n')[0];

    private static bool IsExpectedFailure(Exception e) =>
        e is OutOfMemoryException or System.Runtime.InteropServices.ExternalException or NotSupportedException
            or ArgumentException or DistrAttentionNativeException;

    /// <summary>
    /// Keeps the GPU busy for a second before the first timing, so that it has left its idle clocks: a run without this
    /// measured its first row (tiny, 224 px, Exact) at half the speed of other runs (likeliest cause, not verified;
    /// bench/results/vit-h200.md).
    /// </summary>
    private static void WarmUpDevice(Device device)
    {
        if (device.type != DeviceType.CUDA) return;
        using var scope = NewDisposeScope();
        var a = randn([4096, 4096], ScalarType.Float16, device);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 1000)
        {
            using var inner = NewDisposeScope();
            for (int i = 0; i < 20; i++) a.matmul(a);
            cuda.synchronize();
        }
    }

    private static IEnumerable<(string Label, AttentionOptions Options)> Variants(BenchmarkSettings s)
    {
        yield return ("Exact", AttentionOptions.Exact);
        foreach (int g in s.GroupSizes)
            foreach (int l in s.BlockSizes)
            {
                if (!s.SkipReference)
                    yield return ("Reference", new AttentionOptions { GroupSize = g, BlockSize = l, Implementation = AttentionImplementation.Reference });
                yield return ("Native", new AttentionOptions { GroupSize = g, BlockSize = l, Implementation = AttentionImplementation.Native });
            }
    }

    /// <summary>One attention call on [batch, H, N, d] random tensors (the time of one layer's attention).</summary>
    private static BenchmarkRow MeasureAttentionCall(BenchmarkSettings s, VitConfig config, AttentionOptions options, BenchmarkRow row)
    {
        try
        {
            using var scope = NewDisposeScope();
            var kernel = (IAttention)AttentionFactory.Create(options, config.HeadDim);
            ((nn.Module)kernel).to(s.Device);
            long[] shape = [s.Batch, config.NumHeads, config.TokenCount, config.HeadDim];
            var (q, k, v) = (randn(shape, s.DType, s.Device), randn(shape, s.DType, s.Device), randn(shape, s.DType, s.Device));
            // back-to-back calls: inside a forward pass a layer's attention is not followed by a synchronisation
            double attention = DeviceTimer.MedianMilliseconds(() => { using var d = NewDisposeScope(); kernel.Attend(q, k, v); },
                s.Device, s.Warmup, s.Repetitions, AttentionCallsPerRepetition);
            ((nn.Module)kernel).Dispose();
            return row with { AttentionMs = attention };
        }
        catch (Exception e) when (IsExpectedFailure(e))
        {
            return row with { Note = FailureNote(e) };
        }
    }
}
