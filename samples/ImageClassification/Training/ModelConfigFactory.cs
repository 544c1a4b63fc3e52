using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;

namespace ImageClassification.Training;

/// <summary>Turns the command-line settings into the model architecture and attention options.</summary>
public static class ModelConfigFactory
{
    /// <summary>The attention every block uses.</summary>
    public static AttentionOptions Attention(TrainSettings s) => s.Attention == AttentionKind.Exact
        ? AttentionOptions.Exact
        : new AttentionOptions
        {
            Kind = AttentionKind.DistrAttention,
            GroupSize = s.GroupSize,
            BlockSize = s.BlockSize,
            Mode = s.Mode,
        };

    /// <summary>The architecture; the class count is set by the trainer from the label column.</summary>
    public static VitConfig Create(TrainSettings s, int numClasses)
    {
        var config = s.Preset switch
        {
            // Small enough for a CPU: head dim 16 (8 after DistrAttention's G = 2 grouping). With the default
            // patch 7 on 28×28 there are 16 patches + the class token. Chosen by short runs on the embedded set
            // (2 shared cores), made before the model's truncated-normal init was fixed: patch 4 (49 tokens) learnt
            // several times slower per second, width 96 slower than 64, MLP ×4 about 1 point better than ×2.
            ModelPreset.Sample => new VitConfig
            {
                ImageSize = s.ImageSize, PatchSize = s.PatchSize, Channels = s.Channels,
                EmbedDim = 64, Depth = 4, NumHeads = 4, MlpRatio = 4, NumClasses = numClasses,
            },
            ModelPreset.Tiny => VitConfig.Tiny(s.ImageSize, numClasses, s.Channels, s.PatchSize),
            ModelPreset.Small => VitConfig.Small(s.ImageSize, numClasses, s.Channels, s.PatchSize),
            ModelPreset.Base => VitConfig.Base(s.ImageSize, numClasses, s.Channels, s.PatchSize),
            _ => throw new ArgumentOutOfRangeException(nameof(s), s.Preset, "Unknown preset."),
        };
        return config with { Attention = Attention(s) };
    }
}
