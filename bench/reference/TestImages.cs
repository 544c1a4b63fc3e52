using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// A labelled image folder (<c>&lt;root&gt;/&lt;class&gt;/*.png</c>) as the model's input batch [N, C, S, S] and label
/// indices, preprocessed like the ViT transformer does: decode with ML.NET's <see cref="MLImage"/>, luma
/// 0.299 R + 0.587 G + 0.114 B rounded to a byte (1 channel), then (byte/255 − mean)/std. The transformer also
/// resizes bilinearly; the bench only accepts images already at the model's size, where that resize is the identity.
/// </summary>
internal sealed record TestImages(IReadOnlyList<string> Paths, IReadOnlyList<string> Labels, Tensor Images, Tensor Targets)
{
    /// <summary>Loads every image of <paramref name="root"/>, classes and files sorted ordinally (like the sample).</summary>
    /// <exception cref="InvalidDataException">An image has another size, or a class is unknown to the model.</exception>
    public static TestImages Load(string root, SavedVitSegment vit, int size, int channels)
    {
        if (channels != 1)
            throw new InvalidDataException($"The bench preprocesses 1-channel (luma) models only; this one has {channels}.");
        var paths = new List<string>();
        var labels = new List<string>();
        foreach (var dir in Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(dir, "*.png").OrderBy(f => f, StringComparer.Ordinal))
            {
                paths.Add(file);
                labels.Add(Path.GetFileName(dir));
            }
        var data = new float[paths.Count * size * size];
        for (int i = 0; i < paths.Count; i++)
            ReadLuma(paths[i], size, vit.Mean[0], vit.Std[0], data.AsSpan(i * size * size, size * size));
        var targets = labels.Select(l => (long)IndexOf(vit.Classes, l)).ToArray();
        return new TestImages(paths, labels, tensor(data, [paths.Count, 1, size, size]), tensor(targets));
    }

    private static void ReadLuma(string path, int size, float mean, float std, Span<float> destination)
    {
        using var image = MLImage.CreateFromFile(path);
        if (image.Width != size || image.Height != size)
            throw new InvalidDataException($"'{path}' is {image.Width}×{image.Height}; the bench expects {size}×{size}.");
        (int r, int g, int b) = image.PixelFormat == MLPixelFormat.Bgra32 ? (2, 1, 0) : (0, 1, 2);
        var pixels = image.Pixels;
        for (int at = 0; at < size * size; at++)
        {
            int p = 4 * at;
            double luma = 0.299 * pixels[p + r] + 0.587 * pixels[p + g] + 0.114 * pixels[p + b];
            byte value = (byte)Math.Clamp((int)Math.Round(luma), 0, 255);
            // Same float arithmetic as the trainer's BatchBuilder: byte * (1/(255 std)) + (−mean/std).
            destination[at] = value * (1f / (255f * std)) + -mean / std;
        }
    }

    private static int IndexOf(IReadOnlyList<string> classes, string label)
    {
        for (int i = 0; i < classes.Count; i++)
            if (classes[i] == label) return i;
        throw new InvalidDataException($"Class '{label}' is not a class of the model ({string.Join(", ", classes)}).");
    }
}
