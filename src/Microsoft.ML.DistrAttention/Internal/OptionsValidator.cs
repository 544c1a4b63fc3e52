using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Checks trainer options up front, so a bad value fails at construction with its name in the message.</summary>
internal static class OptionsValidator
{
    public static void Validate(VitImageClassificationTrainer.Options o)
    {
        ArgumentNullException.ThrowIfNull(o);
        RequireName(o.LabelColumnName, nameof(o.LabelColumnName));
        RequireName(o.ImageColumnName, nameof(o.ImageColumnName));
        RequireName(o.ScoreColumnName, nameof(o.ScoreColumnName));
        RequireName(o.PredictedLabelColumnName, nameof(o.PredictedLabelColumnName));
        if (o.ScoreColumnName == o.PredictedLabelColumnName)
            throw new ArgumentException($"ScoreColumnName and PredictedLabelColumnName must differ (both '{o.ScoreColumnName}').", nameof(o.PredictedLabelColumnName));
        Positive(o.Epochs, nameof(o.Epochs));
        if (o.Precision is { } precision && !Enum.IsDefined(precision))
            throw Range(nameof(o.Precision), o.Precision, "must be Float32, Float16 or BFloat16");
        Positive(o.BatchSize, nameof(o.BatchSize));
        if (!(o.LearningRate > 0) || double.IsInfinity(o.LearningRate))
            throw Range(nameof(o.LearningRate), o.LearningRate, "must be a positive finite number");
        if (!(o.MinLearningRate >= 0) || o.MinLearningRate > o.LearningRate)
            throw Range(nameof(o.MinLearningRate), o.MinLearningRate, "must be in [0, LearningRate]");
        if (!(o.WarmupEpochs >= 0) || double.IsInfinity(o.WarmupEpochs))
            throw Range(nameof(o.WarmupEpochs), o.WarmupEpochs, "must be ≥ 0");
        if (!(o.WeightDecay >= 0) || double.IsInfinity(o.WeightDecay))
            throw Range(nameof(o.WeightDecay), o.WeightDecay, "must be ≥ 0");
        if (!(o.LabelSmoothing >= 0 && o.LabelSmoothing < 1))
            throw Range(nameof(o.LabelSmoothing), o.LabelSmoothing, "must be in [0, 1)");
        if (!(o.MaxGradNorm >= 0) || double.IsInfinity(o.MaxGradNorm))
            throw Range(nameof(o.MaxGradNorm), o.MaxGradNorm, "must be ≥ 0 (0 turns clipping off)");
        if (!Enum.IsDefined(o.Initialization))
            throw Range(nameof(o.Initialization), o.Initialization, "must be Timm or PyTorchDefault");
        if (o.RandomCropPadding < 0)
            throw Range(nameof(o.RandomCropPadding), o.RandomCropPadding, "must be ≥ 0");
        if (o.NumberOfThreads is { } threads && threads <= 0)
            throw Range(nameof(o.NumberOfThreads), threads, "must be positive");
        if (o.EarlyStoppingPatience is { } patience)
        {
            if (patience <= 0) throw Range(nameof(o.EarlyStoppingPatience), patience, "must be positive");
            if (o.ValidationSet is null)
                throw new ArgumentException("EarlyStoppingPatience needs a ValidationSet to measure accuracy on.", nameof(o.EarlyStoppingPatience));
        }
        if (o.InitialModel is not null && o.InitialModelPath is not null)
            throw new ArgumentException("Give InitialModel or InitialModelPath, not both.", nameof(o.InitialModelPath));
        if (o.InitialModelPath is not null && !File.Exists(o.InitialModelPath))
            throw new FileNotFoundException($"InitialModelPath: the checkpoint '{o.InitialModelPath}' does not exist.", o.InitialModelPath);
        var config = ModelFactory.RequestedConfig(o, classCount: 2);
        if (o.InitialModel is not null)
            config = InitialModelSource.Find(o.InitialModel).Config with { NumClasses = 2 };
        ValidateConfig(config);
        CheckConfigConflicts(o); // after the Config's own errors, which name the bad field
        if ((o.InitialModel is not null || o.InitialModelPath is not null) && o.Attention is not null)
            ValidateAttention(o.Attention, config.HeadDim);
        CheckNormalization(o.NormalizationMean, nameof(o.NormalizationMean), config.Channels, positive: false);
        CheckNormalization(o.NormalizationStd, nameof(o.NormalizationStd), config.Channels, positive: true);
        DistributedTraining.Validate(o);
    }

    // Config replaces ImageSize, PatchSize, Channels and Attention: each may stay at its default or repeat the Config's
    // value; anything else would be silently ignored.
    private static void CheckConfigConflicts(VitImageClassificationTrainer.Options o)
    {
        if (o.Config is not { } c) return;
        var defaults = new VitImageClassificationTrainer.Options();
        Conflict(nameof(o.ImageSize), o.ImageSize, defaults.ImageSize, c.ImageSize);
        Conflict(nameof(o.PatchSize), o.PatchSize, defaults.PatchSize, c.PatchSize);
        Conflict(nameof(o.Channels), o.Channels, defaults.Channels, c.Channels);
        if (o.Attention is { } attention && attention != c.Attention)
            throw new ArgumentException(
                $"Config and Attention are both set and disagree (Attention {Describe(attention)}, Config.Attention {Describe(c.Attention)}): " +
                "Config's attention is the one used; leave Attention null or set it to Config.Attention.", nameof(o.Attention));
    }

    private static void Conflict(string name, int value, int defaultValue, int configValue)
    {
        if (value != defaultValue && value != configValue)
            throw new ArgumentException(
                $"Config and {name} are both set and disagree ({name} = {value}, Config.{name} = {configValue}): Config's value is the one used; " +
                $"leave {name} at its default ({defaultValue}) or set it to Config.{name}.", name);
    }

    private static string Describe(AttentionOptions? a) =>
        a is null ? "null" : a.Kind == AttentionKind.Exact ? "Exact" : $"DistrAttention G={a.GroupSize} l={a.BlockSize} {a.Mode}";

    /// <summary>Validates a model configuration, naming the offending option.</summary>
    public static void ValidateConfig(VitConfig config)
    {
        if (config.Channels is not (1 or 3))
            throw Range(nameof(VitImageClassificationTrainer.Options.Channels), config.Channels, "must be 1 (grey) or 3 (RGB)");
        if (config.EmbedDim > 0 && config.NumHeads > 0 && config.EmbedDim % config.NumHeads == 0 && config.Attention is not null)
            ValidateAttention(config.Attention, config.HeadDim); // first, so G and l errors name Attention.*
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentOutOfRangeException(e.ParamName ?? "Config", $"Invalid ViT configuration: {e.Message}");
        }
    }

    /// <summary>Validates attention options against the head dimension, naming G or l.</summary>
    public static void ValidateAttention(AttentionOptions attention, int headDim)
    {
        try
        {
            attention.Validate(headDim);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentOutOfRangeException($"Attention.{e.ParamName}", $"Invalid attention options: {e.Message}");
        }
    }

    private static void CheckNormalization(float[]? values, string name, int channels, bool positive)
    {
        if (values is null) return;
        if (values.Length != channels)
            throw new ArgumentException($"{name} has {values.Length} values; expected one per channel ({channels}).", name);
        if (values.Any(v => !float.IsFinite(v) || (positive && v <= 0)))
            throw new ArgumentOutOfRangeException(name, positive ? "Every value must be positive and finite." : "Every value must be finite.");
    }

    private static void RequireName(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{name} must name a column.", name);
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0) throw Range(name, value, "must be positive");
    }

    private static ArgumentOutOfRangeException Range(string name, object value, string rule) =>
        new(name, value, $"{name} {rule}.");
}
