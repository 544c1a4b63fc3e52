namespace ImageClassification.Data;

/// <summary>
/// Converts the Fashion-MNIST IDX files into PNG folders, <c>&lt;output&gt;/&lt;split&gt;/&lt;class&gt;/&lt;split&gt;-&lt;index&gt;.png</c>.
/// With a per-class limit it keeps the first N images of each class in file order, so the subset is deterministic.
/// </summary>
public static class FashionMnistImporter
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the IDX files.</summary>
    public const string DebianPackageFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The two splits, with the file-name prefix each uses in the IDX distribution.</summary>
    public static IReadOnlyList<(string Split, string Prefix)> Splits { get; } = [("train", "train"), ("test", "t10k")];

    /// <summary>Imports both splits.</summary>
    /// <param name="idxFolder">Folder holding <c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-…</c>.</param>
    /// <param name="outputFolder">Root of the PNG folders; created when missing.</param>
    /// <param name="trainPerClass">Images per class to keep from the training split; null keeps all.</param>
    /// <param name="testPerClass">Images per class to keep from the test split; null keeps all.</param>
    /// <returns>Images written, per split and class.</returns>
    public static IReadOnlyDictionary<string, int[]> Import(string idxFolder, string outputFolder, int? trainPerClass, int? testPerClass)
    {
        if (!Directory.Exists(idxFolder))
            throw new DirectoryNotFoundException(
                $"IDX folder '{idxFolder}' does not exist. On Debian/Ubuntu: apt-get install dataset-fashion-mnist (installs {DebianPackageFolder}).");
        var written = new Dictionary<string, int[]>();
        foreach (var (split, prefix) in Splits)
        {
            int? limit = split == "train" ? trainPerClass : testPerClass;
            written[split] = ImportSplit(idxFolder, prefix, Path.Combine(outputFolder, split), split, limit);
        }
        return written;
    }

    /// <summary>Imports one split from an images file and a labels file.</summary>
    public static int[] ImportSplit(string idxFolder, string prefix, string splitFolder, string filePrefix, int? perClassLimit)
    {
        if (perClassLimit is < 1)
            throw new ArgumentOutOfRangeException(nameof(perClassLimit), perClassLimit, "The per-class limit must be at least 1.");
        var images = IdxReader.Read(FindIdx(idxFolder, $"{prefix}-images-idx3-ubyte"));
        var labels = IdxReader.Read(FindIdx(idxFolder, $"{prefix}-labels-idx1-ubyte"));
        Validate(images, labels, prefix);

        var classes = FashionMnistClasses.Names;
        foreach (var name in classes)
            Directory.CreateDirectory(Path.Combine(splitFolder, name));

        int height = images.Dimensions[1], width = images.Dimensions[2];
        var counts = new int[classes.Count];
        for (int i = 0; i < images.Count; i++)
        {
            int label = labels.Data[i];
            if (perClassLimit is { } max && counts[label] >= max)
                continue;
            var path = Path.Combine(splitFolder, classes[label], $"{filePrefix}-{i:D5}.png");
            GreyPng.Write(path, images.Item(i), width, height);
            counts[label]++;
        }
        return counts;
    }

    private static void Validate(IdxArray images, IdxArray labels, string prefix)
    {
        if (images.Dimensions.Count != 3)
            throw new InvalidDataException($"{prefix} images must have 3 dimensions [count, rows, columns], found {images.Dimensions.Count}.");
        if (labels.Dimensions.Count != 1)
            throw new InvalidDataException($"{prefix} labels must have 1 dimension [count], found {labels.Dimensions.Count}.");
        if (images.Count != labels.Count)
            throw new InvalidDataException($"{prefix}: {images.Count} images but {labels.Count} labels.");
        int bad = Array.FindIndex(labels.Data, l => l >= FashionMnistClasses.Names.Count);
        if (bad >= 0)
            throw new InvalidDataException($"{prefix} label {bad} is {labels.Data[bad]}; Fashion-MNIST labels are 0–9.");
    }

    // The Debian package ships gzip files; a decompressed copy has no suffix. Accept either.
    private static string FindIdx(string folder, string baseName)
    {
        foreach (var name in new[] { baseName + ".gz", baseName })
        {
            var path = Path.Combine(folder, name);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException($"Neither '{baseName}.gz' nor '{baseName}' is in '{folder}'.", Path.Combine(folder, baseName));
    }
}
