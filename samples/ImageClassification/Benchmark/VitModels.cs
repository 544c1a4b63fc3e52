using System.Globalization;
using System.Text.RegularExpressions;
using DistrAttention.Vit.Model;

namespace ImageClassification.Benchmark;

/// <summary>
/// Model names of the benchmarks: the timm presets <c>tiny</c>, <c>small</c>, <c>base</c> (ViT-Ti/S/B, patch 16,
/// MLP ratio 4) and, for quick runs, a custom <c>w{width}d{depth}h{heads}</c> (e.g. <c>w32d1h2</c>).
/// </summary>
public static partial class VitModels
{
    /// <summary>The architecture called <paramref name="name"/> at <paramref name="imageSize"/> pixels.</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the accepted forms.</exception>
    public static VitConfig Config(string name, int imageSize, int numClasses = 1000, int channels = 3, int patchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(name);
        var config = name.ToLowerInvariant() switch
        {
            "tiny" or "ti" or "vit-ti" => VitConfig.Tiny(imageSize, numClasses, channels, patchSize),
            "small" or "s" or "vit-s" => VitConfig.Small(imageSize, numClasses, channels, patchSize),
            "base" or "b" or "vit-b" => VitConfig.Base(imageSize, numClasses, channels, patchSize),
            _ when Custom().Match(name) is { Success: true } m => new VitConfig
            {
                EmbedDim = Int(m.Groups[1].Value), Depth = Int(m.Groups[2].Value), NumHeads = Int(m.Groups[3].Value), MlpRatio = 4.0,
                ImageSize = imageSize, NumClasses = numClasses, Channels = channels, PatchSize = patchSize,
            },
            _ => throw new ArgumentException(
                $"Unknown model '{name}': expected tiny, small, base or w<width>d<depth>h<heads> (e.g. w32d1h2).", nameof(name)),
        };
        return config;
    }

    /// <summary>Width, depth and heads of a model name (for the PyTorch script's arguments).</summary>
    public static (int Width, int Depth, int Heads) Shape(string name)
    {
        var c = Config(name, 224);
        return (c.EmbedDim, c.Depth, c.NumHeads);
    }

    private static int Int(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^w(\d+)d(\d+)h(\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex Custom();
}
