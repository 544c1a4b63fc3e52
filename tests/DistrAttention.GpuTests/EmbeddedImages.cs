using ImageClassification.Data;
using Microsoft.ML;

namespace DistrAttention.GpuTests;

/// <summary>Grey images with a class name each, held in memory.</summary>
/// <param name="Images">[count, rows, columns].</param>
/// <param name="Labels">The class name of each image.</param>
internal sealed record LabeledImages(IdxArray Images, string[] Labels)
{
    public int Count => Images.Count;

    /// <summary>Every <paramref name="stride"/>-th image (at most <paramref name="take"/>) as a view with Label and Image columns.</summary>
    public IDataView View(MLContext ml, int stride = 1, int take = int.MaxValue) =>
        InMemoryImages.ToDataView(ml, Images, Enumerable.Range(0, Count).Where(i => i % stride == 0).Take(take).ToList(), i => Labels[i]);

    /// <summary>How many images <see cref="View"/> gives.</summary>
    public int CountOf(int stride = 1, int take = int.MaxValue) => Math.Min(take, (Count + stride - 1) / stride);
}

/// <summary>
/// The sample's embedded Fashion-MNIST subset: its IDX files (at <see cref="EmbeddedData.Root"/>; the bundle carries
/// none, so <c>gpu-suite.sh</c> sets <c>VIT_SAMPLE_DATA</c> to the repository's copy), read with the sample's IDX code
/// compiled into this library: the GPU checks do not reference the sample executable.
/// </summary>
internal static class EmbeddedImages
{
    public static string Root => EmbeddedData.Root;

    /// <summary>Whether both splits are there.</summary>
    public static bool Exist => IdxSplit.Exists(Root, IdxSplit.TrainPrefix) && IdxSplit.Exists(Root, IdxSplit.TestPrefix);

    /// <summary>Why the checks that need the data skip, when it is absent.</summary>
    public static string Missing => $"the embedded data set is not at {Root} (set {EmbeddedData.RootEnvironmentVariable})";

    public static LabeledImages Train() => Read(IdxSplit.TrainPrefix);

    public static LabeledImages Test() => Read(IdxSplit.TestPrefix);

    private static LabeledImages Read(string prefix)
    {
        var split = IdxSplit.Read(Root, prefix);
        return new LabeledImages(split.Images, split.Labels.Select(l => FashionMnistClasses.Names[l]).ToArray());
    }
}
