namespace Microsoft.ML.DistrAttention;

/// <summary>A progress report, sent after every training batch and after each validation pass.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Epochs planned (training may stop earlier).</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="BatchesPerEpoch">Batches in one epoch.</param>
/// <param name="Loss">Mean training loss of the epoch so far.</param>
/// <param name="Accuracy">Training accuracy of the epoch so far (on augmented images).</param>
/// <param name="LearningRate">Learning rate used by the last step.</param>
/// <param name="Elapsed">Time since training started.</param>
/// <param name="EstimatedRemaining">Estimated time to finish all planned epochs.</param>
/// <param name="ValidationAccuracy">Validation accuracy, only in the report that ends an epoch with a validation set.</param>
/// <param name="ImagesPerSecond">Training images per second over the epoch so far (input pipeline and steps; validation excluded).</param>
public sealed record TrainingProgress(
    int Epoch,
    int Epochs,
    int Batch,
    int BatchesPerEpoch,
    double Loss,
    double Accuracy,
    double LearningRate,
    TimeSpan Elapsed,
    TimeSpan EstimatedRemaining,
    double? ValidationAccuracy = null,
    double ImagesPerSecond = 0);
