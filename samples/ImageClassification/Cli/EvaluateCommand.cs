using System.CommandLine;
using DistrAttention.Runtime;
using ImageClassification.Data;
using ImageClassification.Reports;
using ImageClassification.Training;
using Microsoft.ML;
using Spectre.Console;

namespace ImageClassification.Cli;

/// <summary><c>evaluate</c>: accuracy, macro accuracy, log-loss, per-class table and confusion matrix of a saved model.</summary>
public static class EvaluateCommand
{
    /// <summary>File names <c>evaluate</c> writes (the help text names the same ones).</summary>
    public const string EvaluationJson = "evaluation.json", ConfusionMatrixPng = "evaluation-confusion-matrix.png";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model file written by train, or the folder holding its model.zip.", DefaultValueFactory = _ => Defaults.ModelPath };
        var data = new Option<string>("--data", "-d")
        {
            Description = "Labelled image folder, one sub-folder per class (default: the embedded test split).",
            DefaultValueFactory = _ => EmbeddedData.Test,
        };
        var device = new Option<ComputeDevice>("--device") { Description = "cpu, cuda or auto.", DefaultValueFactory = _ => ComputeDevice.Auto };
        var output = new Option<string?>("--output", "-o") { Description = $"Folder for {EvaluationJson} and {ConfusionMatrixPng} (default: the model's folder)." };

        var command = new Command("evaluate", "Evaluate a saved model on a labelled image folder.") { model, data, device, output };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var ml = new MLContext(seed: 1);
            string modelPath = parse.GetValue(model)!;
            var (pipeline, classes) = ModelFile.Load(ml, modelPath, parse.GetValue(device));
            var set = ImageFolderDataset.Load(parse.GetValue(data)!, knownClasses: classes);
            var report = Evaluator.Evaluate(ml, pipeline, classes, set.Rows);

            string folder = parse.GetValue(output) ?? Path.GetDirectoryName(Path.GetFullPath(ModelFile.Resolve(modelPath)))!;
            Directory.CreateDirectory(folder);
            MetricsWriter.WriteJson(Path.Combine(folder, EvaluationJson), report);
            var png = Path.Combine(folder, ConfusionMatrixPng);
            ConfusionMatrixPlot.Save(png, report.Classes, report.ConfusionMatrix, $"Confusion matrix — accuracy {report.Accuracy:P1}");

            ConsoleReport.Write(report, $"{set.Root}");
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Path.Combine(folder, EvaluationJson))} and {Markup.Escape(png)}");
        }));
        return command;
    }
}
