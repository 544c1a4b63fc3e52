using DistrAttention.Vit.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Runs the model in inference mode on image bytes; returns class probabilities. Every batch goes through the same
/// device-side <see cref="BatchBuilder"/> as training (without augmentation).
/// </summary>
internal sealed class VitScorer
{
    private readonly object gate = new();
    private readonly VisionTransformer model;
    private readonly Device device;
    private readonly BatchBuilder batches;
    private readonly ImagePreprocessor preprocessor;

    public VitScorer(VisionTransformer model, Device device, float[] mean, float[] std)
    {
        this.model = model;
        this.device = device;
        batches = new BatchBuilder(model.Config.Channels, model.Config.ImageSize, mean, std);
        preprocessor = new ImagePreprocessor(model.Config.ImageSize, model.Config.Channels);
    }

    /// <summary>
    /// Probabilities [images][classes] of decoded images at their own sizes, cached for the batch by the rule of
    /// training (<see cref="ImageCache"/>): one shared size no larger than the model's is resized on the device, as in
    /// training; other batches are resized on the CPU first.
    /// </summary>
    public float[][] Score(IReadOnlyList<PlanarImage> images)
    {
        if (images.Count == 0) return [];
        using var cache = ImageCache.Create(images, preprocessor, threads: 1);
        return Score(cache.Data);
    }

    /// <summary>Probabilities [images][classes] of model-size CHW bytes (<see cref="ImagePreprocessor.ToModelBytes(Microsoft.ML.Data.MLImage)"/>).</summary>
    public float[][] Score(IReadOnlyList<byte[]> images)
    {
        if (images.Count == 0) return [];
        int c = model.Config.Channels, s = model.Config.ImageSize, per = c * s * s;
        var buffer = new byte[images.Count * per];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Length != per)
                throw new ArgumentException($"Image {i} has {images[i].Length} values; the model takes {c}×{s}×{s} = {per}.", nameof(images));
            Buffer.BlockCopy(images[i], 0, buffer, i * per, per);
        }
        using var bytes = torch.tensor(buffer, [images.Count, c, s, s]);
        return Score(bytes);
    }

    /// <summary>Probabilities [images][classes] of uint8 image bytes [B, C, H, W] on any device, at any size.</summary>
    public float[][] Score(Tensor bytes)
    {
        int count = (int)bytes.shape[0], classes = model.Config.NumClasses;
        if (count == 0) return [];
        // One model, possibly many prediction engines: forward passes take turns.
        lock (gate)
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.eval();
            var input = batches.Build(bytes.to(device));
            var probabilities = torch.nn.functional.softmax(model.forward(input), 1)
                .to(torch.float32).cpu().data<float>().ToArray();
            var result = new float[count][];
            for (int i = 0; i < count; i++)
                result[i] = probabilities.AsSpan(i * classes, classes).ToArray();
            return result;
        }
    }

    /// <summary>Fraction of images whose arg-max class equals the label.</summary>
    public double Accuracy(DeviceImages images, IReadOnlyList<int> labels, int batchSize)
    {
        int correct = 0;
        for (int start = 0; start < images.Count; start += batchSize)
        {
            int n = Math.Min(batchSize, images.Count - start);
            var rows = new long[n];
            for (int i = 0; i < n; i++) rows[i] = start + i;
            float[][] scores;
            using (var bytes = images.Gather(rows))
                scores = Score(bytes);
            for (int i = 0; i < n; i++)
                if (ArgMax(scores[i]) == labels[start + i]) correct++;
        }
        return (double)correct / images.Count;
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
