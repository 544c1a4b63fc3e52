namespace ImageClassification.Data;

/// <summary>
/// One split of an IDX data set in the MNIST / Fashion-MNIST layout: <c>&lt;prefix&gt;-images-idx3-ubyte[.gz]</c>
/// (a [count, rows, columns] byte array) and <c>&lt;prefix&gt;-labels-idx1-ubyte[.gz]</c> (one Fashion-MNIST label
/// 0–9 per image), gzip or raw.
/// </summary>
/// <param name="Images">The images, [count, rows, columns].</param>
/// <param name="Labels">The label of each image (an index into <see cref="FashionMnistClasses.Names"/>).</param>
/// <param name="ImagesPath">The images file, for messages.</param>
public sealed record IdxSplit(IdxArray Images, byte[] Labels, string ImagesPath)
{
    /// <summary>File-name prefix of the training split.</summary>
    public const string TrainPrefix = "train";

    /// <summary>File-name prefix of the test split.</summary>
    public const string TestPrefix = "t10k";

    /// <summary>Base name of the images file of a split (without <c>.gz</c>).</summary>
    public static string ImagesName(string prefix) => $"{prefix}-images-idx3-ubyte";

    /// <summary>Base name of the labels file of a split (without <c>.gz</c>).</summary>
    public static string LabelsName(string prefix) => $"{prefix}-labels-idx1-ubyte";

    /// <summary>Whether <paramref name="folder"/> holds the images file of the split (gzip or raw).</summary>
    public static bool Exists(string folder, string prefix) => FindFile(folder, ImagesName(prefix)) is not null;

    /// <summary>Whether <paramref name="folder"/> holds the images file of either split.</summary>
    public static bool AnyIn(string folder) => Exists(folder, TrainPrefix) || Exists(folder, TestPrefix);

    /// <summary>Number of images.</summary>
    public int Count => Images.Count;

    /// <summary>Image height in pixels.</summary>
    public int Height => Images.Dimensions[1];

    /// <summary>Image width in pixels.</summary>
    public int Width => Images.Dimensions[2];

    /// <summary>Reads and checks one split.</summary>
    /// <exception cref="FileNotFoundException">The images or labels file is missing (the message names both forms).</exception>
    /// <exception cref="InvalidDataException">A file is not IDX, the shapes disagree, or a label is not 0–9.</exception>
    public static IdxSplit Read(string folder, string prefix)
    {
        string imagesPath = FindRequired(folder, ImagesName(prefix));
        var images = IdxReader.Read(imagesPath);
        var labels = IdxReader.Read(FindRequired(folder, LabelsName(prefix)));
        if (images.Dimensions.Count != 3)
            throw new InvalidDataException($"{prefix} images must have 3 dimensions [count, rows, columns], found {images.Dimensions.Count}.");
        if (labels.Dimensions.Count != 1)
            throw new InvalidDataException($"{prefix} labels must have 1 dimension [count], found {labels.Dimensions.Count}.");
        if (images.Count != labels.Count)
            throw new InvalidDataException($"{prefix}: {images.Count} images but {labels.Count} labels.");
        int bad = Array.FindIndex(labels.Data, l => l >= FashionMnistClasses.Names.Count);
        if (bad >= 0)
            throw new InvalidDataException($"{prefix} label {bad} is {labels.Data[bad]}; Fashion-MNIST labels are 0–9.");
        return new IdxSplit(images, labels.Data, imagesPath);
    }

    // The Debian package ships gzip files; a decompressed copy has no suffix. Accept either.
    private static string? FindFile(string folder, string baseName) =>
        new[] { baseName + ".gz", baseName }.Select(name => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

    private static string FindRequired(string folder, string baseName) =>
        FindFile(folder, baseName)
        ?? throw new FileNotFoundException($"Neither '{baseName}.gz' nor '{baseName}' is in '{folder}'.", Path.Combine(folder, baseName));
}
