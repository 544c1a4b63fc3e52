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
        return preset with { Attention = o.Attention };
    }

    /// <summary>Creates the model on the CPU. Seeds torch first so initialisation is reproducible.</summary>
    public static VisionTransformer Create(VitImageClassificationTrainer.Options o, int classCount)
    {
        torch.manual_seed(o.Seed);
        if (o.InitialModel is not null)
            return FineTuneFrom(o.InitialModel.Model, o, classCount);
        if (o.InitialModelPath is not null)
        {
            VisionTransformer loaded;
            try
            {
                using var file = File.OpenRead(o.InitialModelPath);
                loaded = VitCheckpoint.Load(file);
            }
            catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
            {
                throw new InvalidDataException($"InitialModelPath '{o.InitialModelPath}' is not a readable ViT checkpoint: {e.Message}", e);
            }
            using (loaded)
                return FineTuneFrom(loaded, o, classCount);
        }
        var config = RequestedConfig(o, classCount);
        OptionsValidator.ValidateConfig(config);
        return new VisionTransformer(config);
    }

    // A new module with the source's architecture: every tensor whose name and shape match is copied (so the
    // source is left untouched); a head of another class count keeps its fresh initialisation.
    private static VisionTransformer FineTuneFrom(VisionTransformer source, VitImageClassificationTrainer.Options o, int classCount)
    {
        var config = source.Config with { NumClasses = classCount };
        var model = new VisionTransformer(config);
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            var target = model.state_dict();
            foreach (var (name, value) in source.state_dict())
            {
                if (target.TryGetValue(name, out var destination) && destination.shape.SequenceEqual(value.shape))
                    destination.copy_(value.to(destination.device));
            }
        }
        if (o.Attention != config.Attention)
        {
            OptionsValidator.ValidateAttention(o.Attention, config.HeadDim);
            model.SetAttention(o.Attention);
        }
        return model;
    }
}
