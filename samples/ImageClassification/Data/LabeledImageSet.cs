using Microsoft.ML;
using Microsoft.ML.Data;

namespace ImageClassification.Data;

/// <summary>
/// A labelled image set, whatever holds the images: files in class folders (<see cref="ImageFolderDataset"/>) or
/// pixels read from IDX files (<see cref="IdxImageSet"/>). Rows are grouped by class in ordinal class-name order,
/// then in file order, for every kind, so the same images give the same rows, split and training.
/// </summary>
public abstract class LabeledImageSet
{
    /// <summary>Creates the set.</summary>
    /// <param name="source">Where the images come from (a folder or file), for messages.</param>
    /// <param name="classes">Class names present, sorted ordinally.</param>
    protected LabeledImageSet(string source, IReadOnlyList<string> classes)
    {
        Source = source;
        Classes = classes;
    }

    /// <summary>Where the images come from: the image folder, or the IDX images file.</summary>
    public string Source { get; }

    /// <summary>Class names present in the set, sorted ordinally.</summary>
    public IReadOnlyList<string> Classes { get; }

    /// <summary>Number of images.</summary>
    public abstract int Count { get; }

    /// <summary>
    /// Whether the data view's <c>Image</c> column already holds the images (the model's <c>LoadImages</c> step is
    /// skipped) rather than an <c>ImagePath</c> column of files.
    /// </summary>
    public abstract bool HoldsImages { get; }

    /// <summary>The class name of row <paramref name="row"/>.</summary>
    public abstract string LabelOf(int row);

    /// <summary>The image of row <paramref name="row"/>, decoded; the caller disposes it.</summary>
    public abstract MLImage OpenImage(int row);

    /// <summary>The rows as an ML.NET data view: <c>ImagePath</c> and <c>Label</c>, or <c>Label</c> and <c>Image</c> when <see cref="HoldsImages"/>.</summary>
    public abstract IDataView ToDataView(MLContext ml);

    /// <summary>The rows at <paramref name="rows"/>, in that order, as a set of the same kind.</summary>
    protected abstract LabeledImageSet Subset(IReadOnlyList<int> rows);

    /// <summary>
    /// Splits the rows into a training and a validation part, per class so both keep the class balance.
    /// The choice depends only on <paramref name="seed"/> and the rows' labels.
    /// </summary>
    public (LabeledImageSet Train, LabeledImageSet Validation) Split(double validationFraction, int seed)
    {
        if (validationFraction is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Must be in [0, 1).");
        var train = new List<int>();
        var validation = new List<int>();
        var random = new Random(seed);
        foreach (var group in Enumerable.Range(0, Count).GroupBy(LabelOf))
        {
            var shuffled = group.OrderBy(_ => random.Next()).ToList();
            int n = (int)Math.Round(shuffled.Count * validationFraction);
            validation.AddRange(shuffled.Take(n));
            train.AddRange(shuffled.Skip(n));
        }
        return (Subset(train), Subset(validation));
    }
}
