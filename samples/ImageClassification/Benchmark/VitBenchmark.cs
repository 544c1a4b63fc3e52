using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace ImageClassification.Benchmark;

/// <summary>
/// ViT inference speed with Exact (scaled_dot_product_attention), DistrAttention reference and DistrAttention native
/// attention: end-to-end images/s (forward, no grad, whole model in the chosen dtype) and one attention call on
/// [batch, H, N, d] tensors (attention time per layer).
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
        {
            var config = VitModels.Config(name, size, s.Classes, s.Channels, s.PatchSize);
            using var model = new VisionTransformer(config with { Attention = AttentionOptions.Exact });
            model.eval();
            foreach (var (label, options) in Variants(s))
            {
                var row = Measure(s, model, config, name, label, options);
                rows.Add(row);
                report(row);
            }
        }
        return rows;
    }

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

    private static BenchmarkRow Measure(BenchmarkSettings s, VisionTransformer model, VitConfig config, string name, string label, AttentionOptions options)
    {
        bool exact = options.Kind == AttentionKind.Exact;
        var empty = new BenchmarkRow(name, config.ImageSize, config.TokenCount, label, exact ? 1 : options.GroupSize,
            exact ? 0 : options.BlockSize, double.NaN, double.NaN, "");
        if (label == "Native" && (s.Device.type != DeviceType.CUDA || !NativeKernels.IsAvailable))
            return empty with { Note = s.Device.type != DeviceType.CUDA ? "needs CUDA" : NativeKernels.UnavailableReason ?? "" };
        if (label == "Native" && NativeSupport.WhyNot(config.HeadDim, config.HeadDim, options, s.DType) is { } why)
            return empty with { Note = why };
        try
        {
            using var scope = NewDisposeScope();
            model.SetAttention(options);
            model.to(s.Device);
            model.to(s.DType);
            var images = randn([s.Batch, config.Channels, config.ImageSize, config.ImageSize], s.DType, s.Device);
            double endToEnd = DeviceTimer.MedianMilliseconds(() => { using var d = NewDisposeScope(); model.forward(images); }, s.Device, s.Warmup, s.Repetitions);
            if (s.EndToEndOnly)
                return empty with { ImagesPerSecond = s.Batch / (endToEnd / 1000) };

            var kernel = (IAttention)AttentionFactory.Create(options, config.HeadDim);
            ((nn.Module)kernel).to(s.Device);
            long[] shape = [s.Batch, config.NumHeads, config.TokenCount, config.HeadDim];
            var (q, k, v) = (randn(shape, s.DType, s.Device), randn(shape, s.DType, s.Device), randn(shape, s.DType, s.Device));
            // back-to-back calls: inside a forward pass a layer's attention is not followed by a synchronisation
            double attention = DeviceTimer.MedianMilliseconds(() => { using var d = NewDisposeScope(); kernel.Attend(q, k, v); },
                s.Device, s.Warmup, s.Repetitions, AttentionCallsPerRepetition);
            ((nn.Module)kernel).Dispose();
            return empty with { ImagesPerSecond = s.Batch / (endToEnd / 1000), AttentionMs = attention };
        }
        catch (Exception e) when (e is OutOfMemoryException or System.Runtime.InteropServices.ExternalException or NotSupportedException or ArgumentException or DistrAttentionNativeException)
        {
            return empty with { Note = e.GetType().Name + ": " + e.Message.Split('\n')[0] };
        }
    }
}
