using Microsoft.ML.DistrAttention;
using Spectre.Console;

namespace ImageClassification.Training;

/// <summary>
/// Shows the trainer's progress reports as Spectre.Console progress bars (whole run and current epoch, with ETA and
/// training images per second) and prints one line per finished epoch. Reports arrive synchronously on the training thread.
/// Without a progress context (output redirected to a log) only the epoch lines are printed.
/// </summary>
public sealed class TrainingProgressDisplay(ProgressContext? context) : IProgress<TrainingProgress>
{
    private ProgressTask? total;
    private ProgressTask? epoch;
    private int currentEpoch;

    /// <inheritdoc />
    public void Report(TrainingProgress p)
    {
        if (context is null)
        {
            PrintEpochLine(p);
            return;
        }
        total ??= context.AddTask("Training", maxValue: p.Epochs * p.BatchesPerEpoch);
        if (p.Epoch != currentEpoch)
        {
            epoch?.StopTask();
            epoch = context.AddTask($"Epoch {p.Epoch}/{p.Epochs}", maxValue: p.BatchesPerEpoch);
            currentEpoch = p.Epoch;
        }
        epoch!.Value = p.Batch;
        total.Value = (p.Epoch - 1) * p.BatchesPerEpoch + p.Batch;
        epoch.Description = $"Epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F3}  acc {p.Accuracy:P1}  {Rate(p)}";

        if (PrintEpochLine(p))
            epoch.StopTask();
    }

    // The trainer sends a second end-of-epoch report when it has measured validation accuracy.
    private bool PrintEpochLine(TrainingProgress p)
    {
        bool endOfEpoch = p.Batch == p.BatchesPerEpoch;
        if (!endOfEpoch || (p.ValidationAccuracy is null && ExpectsValidation))
            return false;
        // Kept within 80 columns, the width of a redirected console, so a log gets one line per epoch.
        string validation = p.ValidationAccuracy is { } v ? $"  val {v:P1}" : "";
        AnsiConsole.MarkupLine(
            $"epoch {p.Epoch,2}/{p.Epochs}  loss {p.Loss:F4}  acc {p.Accuracy:P1}{validation}  lr {p.LearningRate:G2}  {Rate(p)}  {p.Elapsed:mm\\:ss}");
        return true;
    }

    private static string Rate(TrainingProgress p) => $"{p.ImagesPerSecond:F0} img/s";

    /// <summary>Whether a validation set was given, so the epoch line waits for the validation report.</summary>
    public bool ExpectsValidation { get; init; }
}
