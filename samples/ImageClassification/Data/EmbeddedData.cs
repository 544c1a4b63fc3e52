namespace ImageClassification.Data;

/// <summary>Where the Fashion-MNIST subset that ships with the sample lies next to the app.</summary>
public static class EmbeddedData
{
    /// <summary>Environment variable that points at another copy of the subset (e.g. the repository's, for a bundle without data).</summary>
    public const string RootEnvironmentVariable = "VIT_SAMPLE_DATA";

    /// <summary>Root of the subset (holds <c>train/</c> and <c>test/</c>), copied next to the app at build time,
    /// unless <see cref="RootEnvironmentVariable"/> names another folder.</summary>
    public static string Root =>
        Environment.GetEnvironmentVariable(RootEnvironmentVariable) is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset");

    /// <summary>The training split.</summary>
    public static string Train => Path.Combine(Root, "train");

    /// <summary>The test split.</summary>
    public static string Test => Path.Combine(Root, "test");
}
