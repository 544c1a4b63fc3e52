using System.Text.Json.Serialization;
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
    [JsonIgnore]
    public int HeadDim => EmbedDim / NumHeads;
    /// <summary>Tokens per image: patches plus the class token.</summary>
    [JsonIgnore]
    public int TokenCount => (ImageSize / PatchSize) * (ImageSize / PatchSize) + 1;

    /// <summary>ViT-Ti (timm <c>vit_tiny_patch16_224</c>): width 192, 12 blocks, 3 heads, MLP ratio 4.</summary>
    /// <param name="imageSize">Image side in pixels.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="channels">Input channels.</param>
    /// <param name="patchSize">Patch side in pixels.</param>
    public static VitConfig Tiny(int imageSize = 224, int numClasses = 1000, int channels = 3, int patchSize = 16) =>
        Preset(192, 12, 3, imageSize, numClasses, channels, patchSize);

    /// <summary>ViT-S (timm <c>vit_small_patch16_224</c>): width 384, 12 blocks, 6 heads, MLP ratio 4.</summary>
    /// <param name="imageSize">Image side in pixels.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="channels">Input channels.</param>
    /// <param name="patchSize">Patch side in pixels.</param>
    public static VitConfig Small(int imageSize = 224, int numClasses = 1000, int channels = 3, int patchSize = 16) =>
        Preset(384, 12, 6, imageSize, numClasses, channels, patchSize);

    /// <summary>ViT-B (timm <c>vit_base_patch16_224</c>): width 768, 12 blocks, 12 heads, MLP ratio 4.</summary>
    /// <param name="imageSize">Image side in pixels.</param>
    /// <param name="numClasses">Output classes.</param>
    /// <param name="channels">Input channels.</param>
    /// <param name="patchSize">Patch side in pixels.</param>
    public static VitConfig Base(int imageSize = 224, int numClasses = 1000, int channels = 3, int patchSize = 16) =>
        Preset(768, 12, 12, imageSize, numClasses, channels, patchSize);

    private static VitConfig Preset(int width, int depth, int heads, int imageSize, int numClasses, int channels, int patchSize) =>
        new()
        {
            EmbedDim = width, Depth = depth, NumHeads = heads, MlpRatio = 4.0,
            ImageSize = imageSize, NumClasses = numClasses, Channels = channels, PatchSize = patchSize,
        };

    /// <summary>Number of trainable parameters this architecture has (timm counting; R buffers excluded).</summary>
    public long ParameterCount()
    {
        long d = EmbedDim, hidden = MlpHidden, patches = (long)(ImageSize / PatchSize) * (ImageSize / PatchSize);
        long embed = (long)Channels * PatchSize * PatchSize * d + d + d + (patches + 1) * d;
        long block = 2 * 2 * d + (d * 3 * d + 3 * d) + (d * d + d) + (d * hidden + hidden) + (hidden * d + d);
        return embed + Depth * block + 2 * d + (d * NumClasses + NumClasses);
    }

    /// <summary>MLP hidden width: round(EmbedDim · MlpRatio).</summary>
    [JsonIgnore]
    public int MlpHidden => (int)Math.Round(EmbedDim * MlpRatio);

    /// <summary>Checks the configuration.</summary>
    /// <exception cref="ArgumentException">A field is invalid; the parameter name is the field and the message gives the expected value.</exception>
    public void Validate()
    {
        Positive(ImageSize, nameof(ImageSize));
        Positive(Channels, nameof(Channels));
        Positive(PatchSize, nameof(PatchSize));
        Positive(EmbedDim, nameof(EmbedDim));
        Positive(Depth, nameof(Depth));
        Positive(NumHeads, nameof(NumHeads));
        Positive(NumClasses, nameof(NumClasses));
        if (ImageSize % PatchSize != 0)
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize,
                $"ImageSize must be a multiple of PatchSize = {PatchSize}.");
        if (EmbedDim % NumHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(NumHeads), NumHeads,
                $"NumHeads must divide EmbedDim = {EmbedDim}.");
        if (!(MlpRatio > 0) || double.IsInfinity(MlpRatio) || MlpHidden < 1)
            throw new ArgumentOutOfRangeException(nameof(MlpRatio), MlpRatio, "MlpRatio must be positive and give a hidden width of at least 1.");
        if (!(Dropout >= 0 && Dropout < 1))
            throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
        if (!(DropPath >= 0 && DropPath < 1))
            throw new ArgumentOutOfRangeException(nameof(DropPath), DropPath, "DropPath must be in [0, 1).");
        if (Attention is null)
            throw new ArgumentNullException(nameof(Attention), "Attention options are required.");
        Attention.Validate(HeadDim);
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }
}
