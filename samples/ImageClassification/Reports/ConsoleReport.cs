using Spectre.Console;

namespace ImageClassification.Reports;

/// <summary>Prints an evaluation as a Spectre.Console table.</summary>
public static class ConsoleReport
{
    /// <summary>Writes headline metrics and the per-class table.</summary>
    public static void Write(EvaluationReport r, string title)
    {
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded)
            .AddColumn("Class").AddColumn(new TableColumn("Images").RightAligned())
            .AddColumn(new TableColumn("Accuracy").RightAligned()).AddColumn(new TableColumn("Precision").RightAligned())
            .AddColumn(new TableColumn("Log-loss").RightAligned());
        foreach (var k in r.PerClass)
        {
            var (accuracy, precision, logLoss) = k.Cells();
            table.AddRow(Markup.Escape(k.Name), k.Support.ToString(), accuracy, precision, logLoss);
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(
            $"Accuracy [bold green]{r.Accuracy:P2}[/]  macro accuracy {r.MacroAccuracy:P2}  log-loss {r.LogLoss:F4}  ({r.Images} images)");
    }
}
