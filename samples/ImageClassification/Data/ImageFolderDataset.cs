using Microsoft.ML;
using Microsoft.ML.Data;

namespace ImageClassification.Data;

/// <summary>
/// A labelled image set laid out as <c>&lt;root&gt;/&lt;class&gt;/*.{png,jpg,jpeg,bmp}</c>.
/// Classes and files are sorted ordinally so that the same folder always yields the same rows.
/// </summary>
public sealed class ImageFolderDataset : LabeledImageSet
{
    /// <summary>File extensions that count as images (case-insensitive).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".png", ".jpg", ".jpeg", ".bmp"];

    private ImageFolderDataset(string root, IReadOnlyList<string> classes, IReadOnlyList<ImageRow> rows) : base(root, classes)
    {
        Root = root;
        Rows = rows;
    }

    /// <summary>The folder the set was read from (full path).</summary>
    public string Root { get; }

    /// <summary>One row per image, grouped by class in class order.</summary>
    public IReadOnlyList<ImageRow> Rows { get; }

    /// <inheritdoc/>
    public override int Count => Rows.Count;

    /// <inheritdoc/>
    public override bool HoldsImages => false;

    /// <inheritdoc/>
    public override string LabelOf(int row) => Rows[row].Label;

    /// <inheritdoc/>
    public override MLImage OpenImage(int row) => MLImage.CreateFromFile(Rows[row].ImagePath);

    /// <inheritdoc/>
    public override IDataView ToDataView(MLContext ml) => ml.Data.LoadFromEnumerable(Rows);

    /// <inheritdoc/>
    protected override LabeledImageSet Subset(IReadOnlyList<int> rows) =>
        new ImageFolderDataset(Root, Classes, rows.Select(i => Rows[i]).ToList());

    /// <summary>Lists the images under <paramref name="root"/>.</summary>
    /// <param name="root">Folder with one sub-folder per class.</param>
    /// <param name="knownClasses">When given (evaluation against a trained model), every class folder must be one of these.</param>
    /// <param name="verifyImages">Decode every image once so that a corrupt file is reported by name before training starts.</param>
    /// <exception cref="DatasetException">The folder is missing, has no class folders, a class folder has no images,
    /// a class is unknown to the model, or an image cannot be decoded.</exception>
    public static ImageFolderDataset Load(string root, IReadOnlyCollection<string>? knownClasses = null, bool verifyImages = true)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new DatasetException($"Image folder '{full}' does not exist.");

        var classDirs = Directory.GetDirectories(full).OrderBy(d => d, StringComparer.Ordinal).ToList();
        if (classDirs.Count == 0)
            throw new DatasetException(
                $"Image folder '{full}' has no class sub-folders; expected <root>/<class>/*.png (one sub-folder per class).");

        var classes = new List<string>();
        var rows = new List<ImageRow>();
        foreach (var dir in classDirs)
        {
            var name = Path.GetFileName(dir);
            if (knownClasses is not null && !knownClasses.Contains(name))
                throw new DatasetException(
                    $"Class folder '{name}' in '{full}' is not a class of the model; the model knows: {string.Join(", ", knownClasses)}.");
            var files = ListImages(dir);
            if (files.Count == 0)
                throw new DatasetException(
                    $"Class folder '{dir}' has no images ({string.Join(", ", ImageExtensions)}).");
            classes.Add(name);
            rows.AddRange(files.Select(f => new ImageRow { ImagePath = f, Label = name }));
        }

        if (verifyImages)
            foreach (var row in rows)
                VerifyImage(row.ImagePath);
        return new ImageFolderDataset(full, classes, rows);
    }

    /// <summary>Image files in one folder (not recursive), sorted.</summary>
    public static List<string> ListImages(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    /// <summary>Decodes an image with ML.NET's decoder and throws a <see cref="DatasetException"/> naming the file if it fails.</summary>
    public static void VerifyImage(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new DatasetException($"Image '{file.FullName}' does not exist.");
        if (file.Length == 0)
            throw new DatasetException($"Image '{file.FullName}' is empty (0 bytes).");
        if (TruncationProblem(file.FullName) is { } problem)
            throw new DatasetException($"Image '{file.FullName}' is truncated: {problem}.");
        try
        {
            using var image = MLImage.CreateFromFile(path);
            if (image.Width <= 0 || image.Height <= 0)
                throw new InvalidDataException("the image is empty");
        }
        catch (Exception e) when (e is not DatasetException)
        {
            throw new DatasetException($"Image '{path}' cannot be decoded: {e.Message}", e);
        }
    }

    // The decoder shows a cut-off PNG or JPEG as a partly grey image without complaint, so look at the file's end:
    // a PNG ends with its IEND chunk, a JPEG with the end-of-image marker FF D9 (trailing zero padding allowed).
    private static string? TruncationProblem(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[8];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        long tailLength = Math.Min(stream.Length, 1024);
        var tail = new byte[tailLength];
        stream.Seek(-tailLength, SeekOrigin.End);
        stream.ReadExactly(tail);
        ReadOnlySpan<byte> png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (read == 8 && head.SequenceEqual(png))
            return tail.AsSpan()[Math.Max(0, tail.Length - 12)..].IndexOf("IEND"u8) >= 0 ? null : "no PNG end chunk (IEND)";
        if (read >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            return tail.AsSpan().TrimEnd((byte)0).EndsWith([(byte)0xFF, (byte)0xD9]) ? null : "no JPEG end-of-image marker";
        return null;
    }
}
