namespace ImageClassification.Data;

/// <summary>The ten Fashion-MNIST classes, indexed by their IDX label, as folder-safe names.</summary>
public static class FashionMnistClasses
{
    /// <summary>Folder names in label order (label 0 is <c>T-shirt_top</c>).</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot",
    ];
}
