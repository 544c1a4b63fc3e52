using DistrAttention.Vit.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Runs the model in inference mode on cached image bytes; returns class probabilities.</summary>
internal sealed class VitScorer
{
    private readonly object gate = new();
    private readonly VisionTransformer model;
    private readonly Device device;
    private readonly BatchBuilder batches;

    public VitScorer(VisionTransformer model, Device device, float[] mean, float[] std)
    {
        this.model = model;
        this.device = device;
        batches = new BatchBuilder(model.Config.Channels, model.Config.ImageSize, mean, std);
    }

    /// <summary>Probabilities [images][classes].</summary>
    public float[][] Score(IReadOnlyList<byte[]> images)
    {
        if (images.Count == 0) return [];
        int classes = model.Config.NumClasses;
        // One model, possibly many prediction engines: forward passes take turns.
        lock (gate)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.eval();
            var probabilities = torch.nn.functional.softmax(model.forward(batches.Build(images, device)), 1)
                .to(torch.float32).cpu().data<float>().ToArray();
            var result = new float[images.Count][];
            for (int i = 0; i < images.Count; i++)
                result[i] = probabilities.AsSpan(i * classes, classes).ToArray();
            return result;
        }
    }

    /// <summary>Fraction of images whose arg-max class equals the label.</summary>
    public double Accuracy(LabeledImages data, int batchSize)
    {
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, data.Count - start);
            var scores = Score(data.Images.GetRange(start, n));
            for (int i = 0; i < n; i++)
                if (ArgMax(scores[i]) == data.Labels[start + i]) correct++;
        }
        return (double)correct / data.Count;
    }

    /// <summary>Index of the largest value (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
