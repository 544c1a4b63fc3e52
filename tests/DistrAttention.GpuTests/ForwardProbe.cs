using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.GpuTests;

/// <summary>
/// <c>distrattention-gpu probe MODEL SIZE FORWARDS [train]</c>: runs a fixed number of ViT forwards (fp16 inference) or
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
        bool train = args.Length > 3 && args[3] == "train";
        var config = name switch
        {
            "tiny" => VitConfig.Tiny(size),
            "small" => VitConfig.Small(size),
            _ => VitConfig.Base(size),
        } with { Attention = AttentionOptions.Exact };
        using var model = new VisionTransformer(config);
        model.to(CUDA);
        manual_seed(1);
        var images = randn([64, 3, size, size], ScalarType.Float32, CUDA);
        if (train)
        {
            model.Precision = ComputePrecision.BFloat16;
            using var step = new DistrAttention.Vit.Training.TrainingStep(model, new DistrAttention.Vit.Training.TrainingStepOptions());
            var labels = randint(0, 1000, [64], ScalarType.Int64, CUDA);
            for (int i = 0; i < count; i++)
            {
                using var scope = NewDisposeScope();
                step.Run(images, labels);
            }
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
        Console.WriteLine($"probe: {count} {(train ? "bf16 training steps" : "fp16 forwards")} of {name}/{size} done");
        return 0;
    }
}
