using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.GpuTests;

/// <summary>
/// <c>distrattention-gpu probe MODEL SIZE FORWARDS [train] [distr]</c>: runs a fixed number of ViT forwards (fp16 inference) or
/// bf16 training steps and nothing else, so that a kernel profiler (ncu) sees exactly the model's kernels, to compare
/// kernel by kernel with the same model in PyTorch (scripts/profile-forward.sh).
/// </summary>
internal static class ForwardProbe
{
    public static int Run(string[] args)
    {
        TorchRuntime.EnsureInitialized();
        string name = args[0];
        int size = int.Parse(args[1]), count = int.Parse(args[2]);
        bool train = args.Skip(3).Contains("train");
        // distr: DistrAttention G = 2, l = 64 (the training benchmark's setting) instead of exact attention
        var attention = args.Skip(3).Contains("distr")
            ? new AttentionOptions { Kind = AttentionKind.DistrAttention, GroupSize = 2, BlockSize = 64 }
            : AttentionOptions.Exact;
        var config = name switch
        {
            "tiny" => VitConfig.Tiny(size),
            "small" => VitConfig.Small(size),
            _ => VitConfig.Base(size),
        } with { Attention = attention };
        using var model = new VisionTransformer(config);
        model.to(CUDA);
        manual_seed(1);
        var images = randn([64, 3, size, size], ScalarType.Float32, CUDA);
        if (train)
        {
            model.Precision = ComputePrecision.BFloat16;
            using var step = new DistrAttention.Vit.Training.TrainingStep(model, new DistrAttention.Vit.Training.TrainingStepOptions());
            var labels = randint(0, 1000, [64], ScalarType.Int64, CUDA);
            var clock = new System.Diagnostics.Stopwatch();
            for (int i = 0; i < count; i++)
            {
                if (i == Math.Min(3, count - 1)) { cuda.synchronize(); clock.Start(); } // after warm-up
                using var scope = NewDisposeScope();
                step.Run(images, labels);
            }
            cuda.synchronize();
            Console.WriteLine($"probe: {clock.Elapsed.TotalMilliseconds / (count - Math.Min(3, count - 1)):F2} ms/step after warm-up (wall, synchronised)");
        }
        else
        {
            model.to(ScalarType.Float16);
            model.eval();
            var half = images.to(ScalarType.Float16);
            using var noGrad = no_grad();
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                model.forward(half);
            }
        }
        cuda.synchronize();
        Console.WriteLine($"probe: {attention.Kind} {count} {(train ? "bf16 training steps" : "fp16 forwards")} of {name}/{size} done");
        return 0;
    }
}
