using Microsoft.ML.Data;

namespace ImageClassification.Reports;

/// <summary>Test-set quality of a model, in plain numbers that serialise to JSON.</summary>
/// <param name="Images">Images evaluated.</param>
/// <param name="Accuracy">Micro accuracy: correct / all.</param>
/// <param name="MacroAccuracy">Mean over classes of the per-class accuracy (recall).</param>
/// <param name="LogLoss">Mean negative log-probability of the true class.</param>
/// <param name="PerClass">One entry per class, in the model's class order.</param>
/// <param name="ConfusionMatrix">ConfusionMatrix[t][p]: images of true class t predicted as p.</param>
public sealed record EvaluationReport(
    int Images,
    double Accuracy,
    double MacroAccuracy,
    double LogLoss,
    IReadOnlyList<ClassReport> PerClass,
    IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix)
{
    /// <summary>The attention the model was scored with (<c>evaluate</c>); null where not recorded.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Attention { get; init; }

    /// <summary>The model evaluated, as given to <c>evaluate -m</c> (a folder or a model file); null where not recorded.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    /// <summary>The attention the model was trained with, when another one was swapped in for the evaluation; else null.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? TrainedAttention { get; init; }

    /// <summary>Class names in matrix order.</summary>
    public IReadOnlyList<string> Classes => PerClass.Select(c => c.Name).ToList();

    /// <summary>Builds the report from ML.NET's metrics and the model's class names.</summary>
    public static EvaluationReport From(MulticlassClassificationMetrics metrics, IReadOnlyList<string> classes)
    {
        var counts = metrics.ConfusionMatrix.Counts
            .Select(row => (IReadOnlyList<int>)row.Select(v => (int)Math.Round(v)).ToList())
            .ToList();
        if (counts.Count != classes.Count)
            throw new InvalidOperationException($"The confusion matrix has {counts.Count} rows but the model has {classes.Count} classes.");
        var perClass = classes.Select((name, c) =>
        {
            int support = counts[c].Sum();
            int predicted = counts.Sum(r => r[c]);
            return new ClassReport(name, support,
                Recall: support == 0 ? 0 : (double)counts[c][c] / support,
                Precision: predicted == 0 ? 0 : (double)counts[c][c] / predicted,
                LogLoss: metrics.PerClassLogLoss.Count > c ? metrics.PerClassLogLoss[c] : double.NaN);
        }).ToList();
        return new EvaluationReport(counts.Sum(r => r.Sum()), metrics.MicroAccuracy, metrics.MacroAccuracy,
            metrics.LogLoss, perClass, counts);
    }
}

/// <summary>Quality on one class.</summary>
/// <param name="Name">Class name.</param>
/// <param name="Support">Test images of this class.</param>
/// <param name="Recall">Share of this class's images predicted as this class (per-class accuracy).</param>
/// <param name="Precision">Share of the images predicted as this class that are of this class.</param>
/// <param name="LogLoss">Mean log-loss over this class's images.</param>
public sealed record ClassReport(string Name, int Support, double Recall, double Precision, double LogLoss)
{
    /// <summary>Text the per-class tables show for a class with no test images (its accuracy, precision and log-loss are undefined).</summary>
    public const string AbsentText = "absent";

    /// <summary>The class has no test images.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsAbsent => Support == 0;

    /// <summary>Accuracy, precision and log-loss as table cells: numbers, or <see cref="AbsentText"/> and dashes for an absent class.</summary>
    public (string Accuracy, string Precision, string LogLoss) Cells() => IsAbsent
        ? (AbsentText, "–", "–")
        : (Recall.ToString("P1", System.Globalization.CultureInfo.InvariantCulture),
           Precision.ToString("P1", System.Globalization.CultureInfo.InvariantCulture),
           LogLoss.ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
}
