using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ImageClassification.Reports;

/// <summary>Writes <c>metrics.json</c> (for tools) and <c>metrics.md</c> (for people).</summary>
public static class MetricsWriter
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Serialises any report to indented camel-case JSON.</summary>
    public static string ToJson<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <summary>Writes an evaluation to <c>path</c> as JSON.</summary>
    public static void WriteJson<T>(string path, T value) => File.WriteAllText(path, ToJson(value));

    /// <summary>A Markdown summary of a training run.</summary>
    public static string ToMarkdown(RunSummary run)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# Training summary").AppendLine();
        md.AppendLine(c, $"- Model: {run.Model}");
        md.AppendLine(c, $"- Device: {run.Device}");
        md.AppendLine(c, $"- Training images: {run.TrainImages}, validation images: {run.ValidationImages}");
        md.AppendLine(c, $"- Training time: {run.TrainingSeconds:F1} s; whole run: {run.TotalSeconds:F1} s");
        md.AppendLine(c, $"- Test set: `{run.TestSet}` ({run.Test.Images} images)").AppendLine();
        md.Append(EvaluationMarkdown(run.Test));
        md.AppendLine().AppendLine("## Epochs").AppendLine();
        md.AppendLine("| epoch | train loss | train accuracy | validation accuracy | seconds |");
        md.AppendLine("|------:|-----------:|---------------:|--------------------:|--------:|");
        foreach (var e in run.Epochs)
            md.AppendLine(c, $"| {e.Epoch} | {e.TrainLoss:F4} | {e.TrainAccuracy:P2} | {(e.ValidationAccuracy is { } v ? v.ToString("P2", c) : "–")} | {e.Seconds:F1} |");
        return md.ToString();
    }

    /// <summary>A Markdown table of an evaluation.</summary>
    public static string EvaluationMarkdown(EvaluationReport r)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("## Test metrics").AppendLine();
        md.AppendLine(c, $"- Accuracy: **{r.Accuracy:P2}**");
        md.AppendLine(c, $"- Macro accuracy: {r.MacroAccuracy:P2}");
        md.AppendLine(c, $"- Log-loss: {r.LogLoss:F4}").AppendLine();
        md.AppendLine("| class | images | accuracy (recall) | precision | log-loss |");
        md.AppendLine("|-------|-------:|------------------:|----------:|---------:|");
        foreach (var k in r.PerClass)
        {
            var (accuracy, precision, logLoss) = k.Cells();
            md.AppendLine(c, $"| {k.Name} | {k.Support} | {accuracy} | {precision} | {logLoss} |");
        }
        return md.ToString();
    }
}
