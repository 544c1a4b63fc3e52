using DistrAttention.Vit.Attention;
using ImageClassification.Training;

namespace ImageClassification.Cli;

/// <summary>Checks <c>train</c>'s options before anything is loaded or printed, naming the flag at fault.</summary>
public static class TrainOptionsCheck
{
    private static readonly int[] GroupSizes = [1, 2, 4, 8, 16];

    /// <summary>The first problem with <paramref name="s"/>, or null when every option of <c>train</c> is usable.</summary>
    public static string? FirstError(TrainSettings s)
    {
        if (ModelError(s) is { } error)
            return error;
        if (!(s.ValidationFraction >= 0 && s.ValidationFraction < 1))
            return $"--validation-fraction must be in [0, 1) (got {s.ValidationFraction})";
        if (s.Threads is <= 0)
            return $"--threads must be positive (got {s.Threads})";
        if (s.FineTuneFrom is { } from && !File.Exists(ModelFile.Resolve(from)))
            return $"--fine-tune: model file '{Path.GetFullPath(ModelFile.Resolve(from))}' does not exist";
        return OutputFolder.FirstError(s.OutputFolder);
    }

    /// <summary>The first problem with the options <see cref="ModelOptions"/> sets (shared by <c>train</c> and <c>init</c>), or null.</summary>
    public static string? ModelError(TrainSettings s)
    {
        if (s.Epochs <= 0)
            return $"-e/--epochs must be positive (got {s.Epochs})";
        if (s.BatchSize <= 0)
            return $"-b/--batch-size must be positive (got {s.BatchSize})";
        if (!(s.LearningRate > 0) || double.IsInfinity(s.LearningRate))
            return $"--lr/--learning-rate must be positive (got {s.LearningRate})";
        if (s.ImageSize <= 0)
            return $"--image-size must be positive (got {s.ImageSize})";
        if (s.PatchSize <= 0)
            return $"--patch-size must be positive (got {s.PatchSize})";
        if (s.ImageSize % s.PatchSize != 0)
            return $"--image-size must be divisible by --patch-size (got {s.ImageSize} and {s.PatchSize})";
        if (s.Channels is not (1 or 3))
            return $"--channels must be 1 or 3 (got {s.Channels})";
        if (s.Attention == AttentionKind.DistrAttention)
        {
            if (!GroupSizes.Contains(s.GroupSize))
                return $"-G/--group-size must be one of {string.Join(", ", GroupSizes)} (got {s.GroupSize})";
            if (s.BlockSize <= 0 || s.BlockSize % 16 != 0)
                return $"-l/--block-size must be a positive multiple of 16 (got {s.BlockSize})";
        }
        return null;
    }

    /// <summary>Throws a <see cref="UsageException"/> with <see cref="FirstError"/> when there is one.</summary>
    public static void Validate(TrainSettings s)
    {
        if (FirstError(s) is { } error)
            throw new UsageException(error);
    }
}
