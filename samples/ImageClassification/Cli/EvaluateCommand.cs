using System.CommandLine;
using DistrAttention.Runtime;
using ImageClassification.Data;
using ImageClassification.Reports;
using ImageClassification.Training;
using Microsoft.ML;
using Spectre.Console;

namespace ImageClassification.Cli;

/// <summary>
/// <c>evaluate</c>: accuracy, macro accuracy, log-loss, per-class table and confusion matrix of a saved model, with
/// its own attention or another one swapped in (<see cref="AttentionOverrideOptions"/>).
/// </summary>
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
            Description = "Labelled images: an image folder (one sub-folder per class; a folder with train/ and test/ uses test/) " +
                          "or a folder of IDX files (uses t10k-*). Default: the embedded test split.",
            DefaultValueFactory = _ => EmbeddedData.Root,
        };
        var device = new Option<ComputeDevice>("--device") { Description = "cpu, cuda or auto.", DefaultValueFactory = _ => ComputeDevice.Auto };
        var output = new Option<string?>("--output", "-o") { Description = $"Folder for {EvaluationJson} and {ConfusionMatrixPng} (default: the model's folder)." };
        var attention = new AttentionOverrideOptions();

        var command = new Command("evaluate", "Evaluate a saved model on labelled images, optionally with another attention (no training).") { model, data, device, output };
        attention.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (attention.FirstError(parse) is { } error)
                throw new UsageException(error); // before the model or the data is read
            var ml = new MLContext(seed: 1);
            string modelPath = parse.GetValue(model)!;
            var (pipeline, classes) = ModelFile.Load(ml, modelPath, parse.GetValue(device));
            var trained = ModelAttention.Vit(pipeline).Config.Attention;
            var swapped = attention.Resolve(parse, trained);
            if (swapped is not null)
                pipeline = ModelAttention.With(pipeline, swapped);
            var set = DataFolder.LoadTest(DataFolder.TestSplit(parse.GetValue(data)!), "-d/--data", classes);
            var report = Evaluator.Evaluate(ml, pipeline, classes, set) with
            {
                Model = modelPath,
                Attention = ModelAttention.Describe(swapped ?? trained),
                TrainedAttention = swapped is null ? null : ModelAttention.Describe(trained),
            };

            string folder = parse.GetValue(output) ?? Path.GetDirectoryName(Path.GetFullPath(ModelFile.Resolve(modelPath)))!;
            Directory.CreateDirectory(folder);
            MetricsWriter.WriteJson(Path.Combine(folder, EvaluationJson), report);
            var png = Path.Combine(folder, ConfusionMatrixPng);
            ConfusionMatrixPlot.Save(png, report.Classes, report.ConfusionMatrix, $"Confusion matrix — accuracy {report.Accuracy:P1}");

            ConsoleReport.Write(report, set.Source);
            AnsiConsole.MarkupLine(swapped is null
                ? $"Attention: {Markup.Escape(report.Attention)} (the model's own)"
                : $"Attention: [bold]{Markup.Escape(report.Attention)}[/] swapped in for the model's {Markup.Escape(report.TrainedAttention!)}, no training");
            AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Path.Combine(folder, EvaluationJson))} and {Markup.Escape(png)}");
        }));
        return command;
    }
}
