using ImageClassification.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// Labelled test images as the model's input batch [N, C, S, S] and label indices, preprocessed like the ViT
/// transformer does: luma 0.299 R + 0.587 G + 0.114 B rounded to a byte (1 channel), then (byte/255 − mean)/std. The
/// images come from a labelled folder (<c>&lt;root&gt;/&lt;class&gt;/*.png</c>, decoded with ML.NET's
/// <see cref="MLImage"/>) or from the <c>t10k</c> IDX files of a folder (the sample's embedded subset, or the full set
/// of <c>scripts/fashion-mnist-full.sh</c>); rows by class name, then file order, as the sample orders them. The
/// transformer also resizes bilinearly; the bench only accepts images already at the model's size, where that
/// resize is the identity.
/// </summary>
/// <param name="Labels">Class name of each image.</param>
/// <param name="Images">[N, C, S, S], normalised.</param>
/// <param name="Targets">The model's class index of each image.</param>
/// <param name="Pipeline">The same images as input of the saved ML.NET pipeline, and whether its LoadImages step must be skipped (in-memory images).</param>
internal sealed record TestImages(IReadOnlyList<string> Labels, Tensor Images, Tensor Targets,
    Func<MLContext, (IDataView Rows, bool InMemory)> Pipeline)
{
    /// <summary>Input row of the sample's pipeline for image files (column names as in the sample's <c>ImageRow</c>).</summary>
    private sealed class FileRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    /// <summary>Loads the images of <paramref name="source"/>: a labelled image folder, or a folder of IDX files.</summary>
    /// <param name="limit">At most this many images (null: all): the first ones of an IDX file (its classes are mixed),
    /// evenly spaced ones of a folder. The captured activations take 12·3·B·N·d floats: a ViT at N = 197 needs a limit.</param>
    /// <exception cref="InvalidDataException">An image has another size, or a class is unknown to the model.</exception>
    public static TestImages Load(string source, SavedVitSegment vit, int size, int channels, int? limit = null)
    {
        if (channels != 1)
            throw new InvalidDataException($"The bench preprocesses 1-channel (luma) models only; this one has {channels}.");
        if (limit is < 1)
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The image limit must be at least 1.");
        return IdxSplit.AnyIn(source) ? FromIdx(source, vit, size, limit) : FromFolder(source, vit, size, limit);
    }

    private static TestImages FromFolder(string root, SavedVitSegment vit, int size, int? limit)
    {
        var paths = new List<string>();
        var labels = new List<string>();
        foreach (var dir in Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(dir, "*.png").OrderBy(f => f, StringComparer.Ordinal))
            {
                paths.Add(file);
                labels.Add(Path.GetFileName(dir));
            }
        if (limit is { } most && most < paths.Count)
        {
            // Evenly spaced, so that every class folder keeps its share.
            var keep = Enumerable.Range(0, most).Select(i => (int)((long)i * paths.Count / most)).ToList();
            (paths, labels) = (keep.Select(i => paths[i]).ToList(), keep.Select(i => labels[i]).ToList());
        }
        return Build(labels, vit, size, i => MLImage.CreateFromFile(paths[i]), ml =>
            (ml.Data.LoadFromEnumerable(paths.Zip(labels, (p, l) => new FileRow { ImagePath = p, Label = l })), false));
    }

    private static TestImages FromIdx(string folder, SavedVitSegment vit, int size, int? limit)
    {
        var split = IdxSplit.Read(folder, IdxSplit.TestPrefix);
        string Name(int i) => FashionMnistClasses.Names[split.Labels[i]];
        var order = Enumerable.Range(0, Math.Min(split.Count, limit ?? int.MaxValue)).OrderBy(Name, StringComparer.Ordinal).ThenBy(i => i).ToList();
        return Build(order.Select(Name).ToList(), vit, size, i => InMemoryImages.ToImage(split.Images, order[i]), ml =>
            (InMemoryImages.ToDataView(ml, split.Images, order, Name), true));
    }

    private static TestImages Build(List<string> labels, SavedVitSegment vit, int size, Func<int, MLImage> open,
        Func<MLContext, (IDataView, bool)> pipeline)
    {
        var data = new float[labels.Count * size * size];
        for (int i = 0; i < labels.Count; i++)
        {
            using var image = open(i);
            ReadLuma(image, i, size, vit.Mean[0], vit.Std[0], data.AsSpan(i * size * size, size * size));
        }
        var targets = labels.Select(l => (long)IndexOf(vit.Classes, l)).ToArray();
        return new TestImages(labels, tensor(data, [labels.Count, 1, size, size]), tensor(targets), pipeline);
    }

    private static void ReadLuma(MLImage image, int index, int size, float mean, float std, Span<float> destination)
    {
        if (image.Width != size || image.Height != size)
            throw new InvalidDataException($"Image {index} is {image.Width}×{image.Height}; the bench expects {size}×{size}.");
        // GetBGRPixels: MLImage.Pixels fails under SkiaSharp 3.x; this works with 2.88 and 3.x.
        ReadOnlySpan<byte> pixels = image.GetBGRPixels;
        for (int at = 0; at < size * size; at++)
        {
            int p = 3 * at;
            double luma = 0.299 * pixels[p + 2] + 0.587 * pixels[p + 1] + 0.114 * pixels[p];
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
