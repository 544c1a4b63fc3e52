namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>A data set decoded once into an <see cref="ImageCache"/>, with 0-based class indices.</summary>
internal sealed class LabeledImages : IDisposable
{
    private LabeledImages(ImageCache images, int[] labels, int skipped)
    {
        Images = images;
        Labels = labels;
        SkippedMissingLabels = skipped;
    }

    /// <summary>The images, uint8 [N, C, H, W] on the CPU, in row order.</summary>
    public ImageCache Images { get; }

    /// <summary>0-based class index of each image.</summary>
    public int[] Labels { get; }
    public int SkippedMissingLabels { get; }
    public int Count => Labels.Length;

    /// <summary>
    /// Reads and decodes every row on <paramref name="threads"/> threads (default: one per core); rows whose label is
    /// missing (key 0) are skipped. Throws when nothing is left. The order is deterministic (see <see cref="LabeledRowReader"/>).
    /// </summary>
    public static LabeledImages Read(IDataView data, string what, string imageColumn, string labelColumn, ImagePreprocessor preprocessor,
        int? threads = null)
    {
        var image = ImageColumn.Find(data.Schema, imageColumn);
        var label = data.Schema[labelColumn];
        int n = threads ?? Environment.ProcessorCount;
        var rows = LabeledRowReader.Read(data, image, label, preprocessor, n);
        if (rows.Labels.Length == 0)
            throw new ArgumentException(rows.Skipped == 0
                ? $"The {what} data is empty: it has no rows."
                : $"The {what} data has no usable rows: all {rows.Skipped} rows have a missing label in column '{labelColumn}'.", what);
        return new LabeledImages(ImageCache.Create(rows.Images, preprocessor, n), rows.Labels, rows.Skipped);
    }

    public void Dispose() => Images.Dispose();
}
