namespace Microsoft.ML.DistrAttention;

/// <summary>Standard ViT sizes (timm naming); see <c>VitConfig.Tiny/Small/Base</c>.</summary>
public enum VitPreset
{
    /// <summary>ViT-Ti: width 192, depth 12, 3 heads.</summary>
    Tiny,
    /// <summary>ViT-S: width 384, depth 12, 6 heads.</summary>
    Small,
    /// <summary>ViT-B: width 768, depth 12, 12 heads.</summary>
    Base,
}
