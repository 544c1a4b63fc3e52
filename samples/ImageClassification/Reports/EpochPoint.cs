namespace ImageClassification.Reports;

/// <summary>One epoch of training history as the sample reports it (decoupled from the trainer's own type).</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainLoss">Mean training cross-entropy.</param>
/// <param name="TrainAccuracy">Training accuracy in [0, 1].</param>
/// <param name="ValidationLoss">Validation cross-entropy, when a validation set was used.</param>
/// <param name="ValidationAccuracy">Validation accuracy in [0, 1], when a validation set was used.</param>
/// <param name="Seconds">Wall-clock seconds the epoch took.</param>
public sealed record EpochPoint(int Epoch, double TrainLoss, double TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy, double Seconds);
