using ImageClassification.Data;

namespace DistrAttention.Tests.Sample;

/// <summary>
/// A few images of a few classes of the embedded Fashion-MNIST subset (its IDX files), written as PNG class folders
/// (<c>&lt;split&gt;/&lt;class&gt;/&lt;split&gt;-&lt;index&gt;.png</c>) or as IDX files of the same images in the same order.
/// </summary>
internal static class EmbeddedSubset
{
    /// <summary>The first <paramref name="perClass"/> rows of each of <paramref name="classes"/> in the embedded split, in row order.</summary>
    public static (IdxImageSet Set, List<int> Rows) Select(string prefix, IReadOnlyList<string> classes, int perClass)
    {
        var set = IdxImageSet.Load(EmbeddedData.Root, prefix);
        var rows = Enumerable.Range(0, set.Count).Where(r => classes.Contains(set.LabelOf(r)))
            .GroupBy(set.LabelOf).SelectMany(g => g.Take(perClass)).ToList();
        return (set, rows);
    }

    /// <summary>Writes <c>&lt;root&gt;/train/&lt;class&gt;/*.png</c> and <c>&lt;root&gt;/test/…</c>.</summary>
    public static void WritePngs(string root, IReadOnlyList<string> classes, int train, int test)
    {
        foreach (var (split, prefix, count) in new[] { ("train", IdxSplit.TrainPrefix, train), ("test", IdxSplit.TestPrefix, test) })
        {
            var (set, rows) = Select(prefix, classes, count);
            var (height, width) = set.ImageSize;
            foreach (int row in rows)
            {
                string folder = Path.Combine(root, split, set.LabelOf(row));
                Directory.CreateDirectory(folder);
                GreyPng.Write(Path.Combine(folder, $"{split}-{set.FileIndexOf(row):D5}.png"), set.PixelsOf(row), width, height);
            }
        }
    }

    /// <summary>Writes the same images as <see cref="WritePngs"/> as gzip IDX files in <paramref name="folder"/>, in file order.</summary>
    public static void WriteIdx(string folder, IReadOnlyList<string> classes, int train, int test)
    {
        Directory.CreateDirectory(folder);
        foreach (var (prefix, count) in new[] { (IdxSplit.TrainPrefix, train), (IdxSplit.TestPrefix, test) })
        {
            var (set, rows) = Select(prefix, classes, count);
            rows = rows.OrderBy(set.FileIndexOf).ToList();
            var (height, width) = set.ImageSize;
            var pixels = rows.SelectMany(r => set.PixelsOf(r).ToArray()).ToArray();
            var labels = rows.Select(r => (byte)FashionMnistClasses.Names.ToList().IndexOf(set.LabelOf(r))).ToArray();
            IdxWriter.Write(Path.Combine(folder, IdxSplit.ImagesName(prefix) + ".gz"), [rows.Count, height, width], pixels);
            IdxWriter.Write(Path.Combine(folder, IdxSplit.LabelsName(prefix) + ".gz"), [rows.Count], labels);
        }
    }
}
