namespace ImageClassification.Data;

/// <summary>Where the Fashion-MNIST subset that ships with the sample lies next to the app.</summary>
public static class EmbeddedData
{
    /// <summary>Root of the subset (holds <c>train/</c> and <c>test/</c>), copied next to the app at build time.</summary>
    public static string Root => Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset");

    /// <summary>The training split.</summary>
    public static string Train => Path.Combine(Root, "train");

    /// <summary>The test split.</summary>
    public static string Test => Path.Combine(Root, "test");
}
