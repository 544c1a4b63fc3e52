namespace Microsoft.ML.DistrAttention;

/// <summary>Metrics of one finished training epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="TrainLoss">Mean training loss (with label smoothing, on augmented images).</param>
/// <param name="TrainAccuracy">Training accuracy (on augmented images).</param>
/// <param name="ValidationAccuracy">Accuracy on the validation set, or null without one.</param>
/// <param name="LearningRate">Learning rate at the end of the epoch.</param>
/// <param name="Elapsed">Wall time of the epoch, validation included.</param>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationAccuracy,
    double LearningRate,
    TimeSpan Elapsed);
