namespace ImageClassification.Data;

/// <summary>
/// Converts the Fashion-MNIST IDX files into PNG folders, <c>&lt;output&gt;/&lt;split&gt;/&lt;class&gt;/&lt;split&gt;-&lt;index&gt;.png</c>,
/// or into smaller IDX files (<c>&lt;output&gt;/&lt;prefix&gt;-images-idx3-ubyte.gz</c>, …). With a per-class limit it keeps
/// the first N images of each class in file order, so the subset is deterministic.
/// </summary>
public static class FashionMnistImporter
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the IDX files.</summary>
    public const string DebianPackageFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The two splits, with the file-name prefix each uses in the IDX distribution.</summary>
    public static IReadOnlyList<(string Split, string Prefix)> Splits { get; } =
        [(DataFolder.TrainFolder, IdxSplit.TrainPrefix), (DataFolder.TestFolder, IdxSplit.TestPrefix)];

    /// <summary>Imports both splits.</summary>
    /// <param name="idxFolder">Folder holding <c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-…</c>.</param>
    /// <param name="outputFolder">Root of the PNG folders, or the folder of the IDX files; created when missing.</param>
    /// <param name="trainPerClass">Images per class to keep from the training split; null keeps all.</param>
    /// <param name="testPerClass">Images per class to keep from the test split; null keeps all.</param>
    /// <param name="asIdx">Write gzip IDX files instead of PNG folders.</param>
    /// <returns>Images written, per split and class.</returns>
    public static IReadOnlyDictionary<string, int[]> Import(string idxFolder, string outputFolder, int? trainPerClass, int? testPerClass,
        bool asIdx = false)
    {
        if (!Directory.Exists(idxFolder))
            throw new DirectoryNotFoundException(
                $"IDX folder '{idxFolder}' does not exist. On Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs {DebianPackageFolder}).");
        var written = new Dictionary<string, int[]>();
        foreach (var (split, prefix) in Splits)
        {
            int? limit = split == DataFolder.TrainFolder ? trainPerClass : testPerClass;
            written[split] = asIdx
                ? ImportSplitAsIdx(idxFolder, prefix, outputFolder, limit)
                : ImportSplit(idxFolder, prefix, Path.Combine(outputFolder, split), split, limit);
        }
        return written;
    }

    /// <summary>Imports one split from an images file and a labels file into PNG class folders (only classes with images get one).</summary>
    public static int[] ImportSplit(string idxFolder, string prefix, string splitFolder, string filePrefix, int? perClassLimit)
    {
        var (source, kept) = Select(idxFolder, prefix, perClassLimit);
        var classes = FashionMnistClasses.Names;
        var counts = new int[classes.Count];
        foreach (int i in kept)
        {
            int label = source.Labels[i];
            var folder = Path.Combine(splitFolder, classes[label]);
            Directory.CreateDirectory(folder);
            GreyPng.Write(Path.Combine(folder, $"{filePrefix}-{i:D5}.png"), source.Images.Item(i), source.Width, source.Height);
            counts[label]++;
        }
        return counts;
    }

    /// <summary>Imports one split into <c>&lt;prefix&gt;-images-idx3-ubyte.gz</c> and <c>&lt;prefix&gt;-labels-idx1-ubyte.gz</c>, images in file order.</summary>
    public static int[] ImportSplitAsIdx(string idxFolder, string prefix, string outputFolder, int? perClassLimit)
    {
        var (source, kept) = Select(idxFolder, prefix, perClassLimit);
        int length = source.Images.ItemLength;
        var pixels = new byte[kept.Count * length];
        var labels = new byte[kept.Count];
        var counts = new int[FashionMnistClasses.Names.Count];
        for (int k = 0; k < kept.Count; k++)
        {
            source.Images.Item(kept[k]).CopyTo(pixels.AsSpan(k * length, length));
            labels[k] = source.Labels[kept[k]];
            counts[labels[k]]++;
        }
        Directory.CreateDirectory(outputFolder);
        IdxWriter.Write(Path.Combine(outputFolder, IdxSplit.ImagesName(prefix) + ".gz"), [kept.Count, source.Height, source.Width], pixels);
        IdxWriter.Write(Path.Combine(outputFolder, IdxSplit.LabelsName(prefix) + ".gz"), [kept.Count], labels);
        return counts;
    }

    // The split and the positions it keeps: all, or the first N of each class in file order.
    private static (IdxSplit Source, List<int> Kept) Select(string idxFolder, string prefix, int? perClassLimit)
    {
        if (perClassLimit is < 1)
            throw new ArgumentOutOfRangeException(nameof(perClassLimit), perClassLimit, "The per-class limit must be at least 1.");
        var source = IdxSplit.Read(idxFolder, prefix);
        var counts = new int[FashionMnistClasses.Names.Count];
        var kept = new List<int>();
        for (int i = 0; i < source.Count; i++)
            if (perClassLimit is not { } max || counts[source.Labels[i]]++ < max)
                kept.Add(i);
        return (source, kept);
    }
}
