using DistrAttention.Vit.Attention;

namespace DistrAttention.Vit.Model;

/// <summary>Architecture of a Vision Transformer (timm naming where it exists).</summary>
public sealed record VitConfig
{
    /// <summary>Input image side in pixels (square images).</summary>
    public int ImageSize { get; init; } = 224;
    /// <summary>Input channels (3 for RGB, 1 for grey).</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Patch side in pixels; must divide <see cref="ImageSize"/>.</summary>
    public int PatchSize { get; init; } = 16;
    /// <summary>Embedding width D.</summary>
    public int EmbedDim { get; init; } = 192;
    /// <summary>Number of encoder blocks.</summary>
    public int Depth { get; init; } = 12;
    /// <summary>Attention heads; must divide <see cref="EmbedDim"/>.</summary>
    public int NumHeads { get; init; } = 3;
    /// <summary>MLP hidden width over embedding width.</summary>
    public double MlpRatio { get; init; } = 4.0;
    /// <summary>Dropout after attention projection and in the MLP.</summary>
    public double Dropout { get; init; }
    /// <summary>Stochastic depth rate of the last block (linearly increasing from 0).</summary>
    public double DropPath { get; init; }
    /// <summary>Number of output classes.</summary>
    public int NumClasses { get; init; } = 1000;
    /// <summary>Attention used by every block.</summary>
    public AttentionOptions Attention { get; init; } = new();

    /// <summary>Head dimension d = EmbedDim / NumHeads.</summary>
    public int HeadDim => EmbedDim / NumHeads;
    /// <summary>Tokens per image: patches plus the class token.</summary>
    public int TokenCount => (ImageSize / PatchSize) * (ImageSize / PatchSize) + 1;
}
