using DistrAttention.Vit.Model;
using DistrAttention.Vit.Weights;
using TorchSharp;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Builds the model to train: fresh from options, or initialised from an earlier model (fine-tuning).</summary>
internal static class ModelFactory
{
    /// <summary>The architecture a fresh model gets.</summary>
    public static VitConfig RequestedConfig(VitImageClassificationTrainer.Options o, int classCount)
    {
        if (o.Config is not null)
            return o.Config with { NumClasses = classCount };
        var preset = o.Preset switch
        {
            VitPreset.Tiny => VitConfig.Tiny(o.ImageSize, classCount, o.Channels, o.PatchSize),
            VitPreset.Small => VitConfig.Small(o.ImageSize, classCount, o.Channels, o.PatchSize),
            VitPreset.Base => VitConfig.Base(o.ImageSize, classCount, o.Channels, o.PatchSize),
            _ => throw new ArgumentOutOfRangeException(nameof(o.Preset), o.Preset, "Unknown ViT preset."),
        };
        return preset with { Attention = o.Attention ?? new() };
    }

    // The initial weights come from torch's process-wide generator: two trainers building models on different threads
    // would interleave their draws (and each get weights that depend on the other's timing) without this lock.
    private static readonly object GlobalGeneratorLock = new();

    /// <summary>
    /// Creates the model on the CPU. Seeds torch first so initialisation is reproducible; the seeding and the draws are
    /// one step under a process-wide lock, so concurrent trainers in one process still get their seed's weights.
    /// </summary>
    public static VisionTransformer Create(VitImageClassificationTrainer.Options o, int classCount)
    {
        lock (GlobalGeneratorLock) return CreateSeeded(o, classCount);
    }

    private static VisionTransformer CreateSeeded(VitImageClassificationTrainer.Options o, int classCount)
    {
        torch.manual_seed(o.Seed);
        if (o.InitialModel is not null)
            return FineTuneFrom(InitialModelSource.Find(o.InitialModel).Model, o, classCount);
        if (o.InitialModelPath is not null)
        {
            using var loaded = InitialModelSource.Load(o.InitialModelPath);
            return FineTuneFrom(loaded, o, classCount);
        }
        var config = RequestedConfig(o, classCount);
        OptionsValidator.ValidateConfig(config);
        return new VisionTransformer(config, initialization: o.Initialization);
    }

    // A new module with the source's architecture: every tensor whose name and shape match is copied (so the
    // source is left untouched); a head of another class count keeps its fresh initialisation. The attention is the
    // source's unless Options.Attention is set.
    private static VisionTransformer FineTuneFrom(VisionTransformer source, VitImageClassificationTrainer.Options o, int classCount)
    {
        var config = source.Config with { NumClasses = classCount };
        var model = new VisionTransformer(config);
        ModelWeights.Copy(source, model);
        if (o.Attention is { } attention && attention != config.Attention)
        {
            OptionsValidator.ValidateAttention(attention, config.HeadDim);
            model.SetAttention(attention);
        }
        return model;
    }
}
