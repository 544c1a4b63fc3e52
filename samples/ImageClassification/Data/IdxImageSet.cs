using Microsoft.ML;
using Microsoft.ML.Data;

namespace ImageClassification.Data;

/// <summary>
/// A labelled image set read from IDX files (<see cref="IdxSplit"/>) into memory: no image files, the pixels go to
/// the pipeline as <see cref="MLImage"/> values (<see cref="InMemoryImages"/>). Labels are Fashion-MNIST classes
/// (<see cref="FashionMnistClasses"/>). Rows are grouped by class in ordinal class-name order, then in file order:
/// the order <see cref="ImageFolderDataset"/> gives the same images as PNG folders written by <c>import-fashion-mnist</c>.
/// </summary>
public sealed class IdxImageSet : LabeledImageSet
{
    private readonly IdxSplit split;
    private readonly IReadOnlyList<int> rows; // indices into the IDX files, in row order

    private IdxImageSet(IdxSplit split, IReadOnlyList<string> classes, IReadOnlyList<int> rows) : base(split.ImagesPath, classes)
    {
        this.split = split;
        this.rows = rows;
    }

    /// <summary>Reads the split with file prefix <paramref name="prefix"/> (<see cref="IdxSplit.TrainPrefix"/> or <see cref="IdxSplit.TestPrefix"/>) from <paramref name="folder"/>.</summary>
    /// <param name="folder">Folder holding the split's images and labels files (gzip or raw).</param>
    /// <param name="prefix">File-name prefix of the split.</param>
    /// <param name="knownClasses">When given (evaluation against a trained model), every class present must be one of these.</param>
    /// <exception cref="DatasetException">A file is missing or not a usable IDX file, the split is empty, or a class is unknown to the model.</exception>
    public static IdxImageSet Load(string folder, string prefix, IReadOnlyCollection<string>? knownClasses = null)
    {
        IdxSplit split;
        try
        {
            split = IdxSplit.Read(folder, prefix);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new DatasetException(e.Message, e);
        }
        if (split.Count == 0)
            throw new DatasetException($"IDX file '{split.ImagesPath}' holds no images.");
        var names = FashionMnistClasses.Names;
        var order = Enumerable.Range(0, split.Count)
            .OrderBy(i => names[split.Labels[i]], StringComparer.Ordinal).ThenBy(i => i).ToList();
        var classes = order.Select(i => names[split.Labels[i]]).Distinct().ToList();
        if (knownClasses is not null && classes.FirstOrDefault(c => !knownClasses.Contains(c)) is { } unknown)
            throw new DatasetException(
                $"Class '{unknown}' in '{split.ImagesPath}' is not a class of the model; the model knows: {string.Join(", ", knownClasses)}.");
        return new IdxImageSet(split, classes, order);
    }

    /// <inheritdoc/>
    public override int Count => rows.Count;

    /// <inheritdoc/>
    public override bool HoldsImages => true;

    /// <summary>Height and width of every image.</summary>
    public (int Height, int Width) ImageSize => (split.Height, split.Width);

    /// <inheritdoc/>
    public override string LabelOf(int row) => FashionMnistClasses.Names[split.Labels[rows[row]]];

    /// <summary>Position in the IDX files of row <paramref name="row"/>.</summary>
    public int FileIndexOf(int row) => rows[row];

    /// <summary>The grey pixels of row <paramref name="row"/>, row-major (a view of the data read).</summary>
    public ReadOnlySpan<byte> PixelsOf(int row) => split.Images.Item(rows[row]);

    /// <inheritdoc/>
    public override MLImage OpenImage(int row) => InMemoryImages.ToImage(split.Images, rows[row]);

    /// <inheritdoc/>
    public override IDataView ToDataView(MLContext ml) =>
        InMemoryImages.ToDataView(ml, split.Images, rows, i => FashionMnistClasses.Names[split.Labels[i]]);

    /// <inheritdoc/>
    protected override LabeledImageSet Subset(IReadOnlyList<int> subset) =>
        new IdxImageSet(split, Classes, subset.Select(i => rows[i]).ToList());
}
