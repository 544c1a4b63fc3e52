namespace ImageClassification.Reports;

/// <summary>What <c>metrics.json</c> holds: how the model was trained and how good it is.</summary>
/// <param name="Model">Architecture and attention, in words (e.g. "ViT 64×4, 4 heads, patch 4, DistrAttention G=2 l=16 Mean").</param>
/// <param name="Settings">The command's settings.</param>
/// <param name="TrainImages">Images used for training.</param>
/// <param name="ValidationImages">Images held out for validation.</param>
/// <param name="Epochs">Per-epoch history.</param>
/// <param name="TrainingSeconds">Wall time of training.</param>
/// <param name="TotalSeconds">Wall time of the whole command.</param>
/// <param name="TestSet">Folder evaluated.</param>
/// <param name="Test">Test-set evaluation.</param>
/// <param name="Device">The device training ran on.</param>
public sealed record RunSummary(
    string Model,
    object Settings,
    int TrainImages,
    int ValidationImages,
    IReadOnlyList<EpochPoint> Epochs,
    double TrainingSeconds,
    double TotalSeconds,
    string TestSet,
    EvaluationReport Test,
    string Device);
