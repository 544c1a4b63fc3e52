namespace ImageClassification.Data;

/// <summary>
/// Where the Fashion-MNIST subset that ships with the sample lies next to the app: IDX files
/// (<c>train-images-idx3-ubyte.gz</c>, <c>train-labels-idx1-ubyte.gz</c>, <c>t10k-…</c>) that <c>DataFolder</c> reads.
/// </summary>
public static class EmbeddedData
{
    /// <summary>Environment variable that points at another copy of the subset (e.g. the repository's, for a bundle without data).</summary>
    public const string RootEnvironmentVariable = "VIT_SAMPLE_DATA";

    /// <summary>Folder of the subset's IDX files, copied next to the app at build time, unless
    /// <see cref="RootEnvironmentVariable"/> names another folder.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable(RootEnvironmentVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset");
}
