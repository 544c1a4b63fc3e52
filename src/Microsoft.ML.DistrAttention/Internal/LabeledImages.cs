namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>A data set cached in memory as model-ready bytes with 0-based class indices.</summary>
internal sealed class LabeledImages
{
    private LabeledImages(List<byte[]> images, List<int> labels, int skipped)
    {
        Images = images;
        Labels = labels;
        SkippedMissingLabels = skipped;
    }

    public List<byte[]> Images { get; }
    public List<int> Labels { get; }
    public int SkippedMissingLabels { get; }
    public int Count => Images.Count;

    /// <summary>Reads every row; rows whose label is missing (key 0) are skipped. Throws when nothing is left.</summary>
    public static LabeledImages Read(IDataView data, string what, string imageColumn, string labelColumn, ImagePreprocessor preprocessor)
    {
        var image = ImageColumn.Find(data.Schema, imageColumn);
        var label = data.Schema[labelColumn];
        var images = new List<byte[]>();
        var labels = new List<int>();
        int skipped = 0;
        using (var cursor = data.GetRowCursor([image, label]))
        {
            var readImage = ImageColumn.CreateReader(cursor, image, preprocessor);
            var readLabel = cursor.GetGetter<uint>(label);
            uint key = 0;
            while (cursor.MoveNext())
            {
                readLabel(ref key);
                if (key == 0) { skipped++; continue; }
                labels.Add((int)key - 1);
                images.Add(readImage());
            }
        }
        if (images.Count == 0)
            throw new ArgumentException(skipped == 0
                ? $"The {what} data is empty: it has no rows."
                : $"The {what} data has no usable rows: all {skipped} rows have a missing label in column '{labelColumn}'.", what);
        return new LabeledImages(images, labels, skipped);
    }
}
