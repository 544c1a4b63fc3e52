using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// End-to-end effect of the approximation: test accuracy of the trained model after <see cref="VisionTransformer.SetAttention"/>
/// swaps every block's attention, without fine-tuning. R is redrawn from the model's own seed, so swapping to the
/// training configuration reproduces the trained model exactly.
/// </summary>
internal static class SwappedAttentionAccuracy
{
    /// <summary>Accuracy of <paramref name="model"/> with attention <paramref name="options"/> on <paramref name="test"/>.</summary>
    public static double Measure(VisionTransformer model, AttentionOptions options, TestImages test, int batchSize = 250)
    {
        model.SetAttention(options);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long correct = 0, n = test.Images.shape[0];
        for (long start = 0; start < n; start += batchSize)
        {
            long count = Math.Min(batchSize, n - start);
            var predicted = model.forward(test.Images.narrow(0, start, count)).argmax(-1);
            correct += predicted.eq(test.Targets.narrow(0, start, count)).sum().item<long>();
        }
        return (double)correct / n;
    }

    /// <summary>Accuracy of precomputed logits [images, classes].</summary>
    public static double FromLogits(Tensor logits, TestImages test)
    {
        using var scope = NewDisposeScope();
        return logits.argmax(-1).eq(test.Targets).to(ScalarType.Float64).mean().item<double>();
    }
}
