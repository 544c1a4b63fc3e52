namespace ImageClassification.Training;

/// <summary>Model sizes the <c>train</c> command offers.</summary>
public enum ModelPreset
{
    /// <summary>The sample's small ViT for 28×28 images: width 64, depth 4, 4 heads (head dim 16), MLP ×4.</summary>
    Sample,
    /// <summary>ViT-Ti (width 192, depth 12, 3 heads).</summary>
    Tiny,
    /// <summary>ViT-S (width 384, depth 12, 6 heads).</summary>
    Small,
    /// <summary>ViT-B (width 768, depth 12, 12 heads).</summary>
    Base,
}
