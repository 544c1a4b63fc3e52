using System.CommandLine;
using DistrAttention.Runtime;
using ImageClassification.Training;
using Microsoft.ML;
using Spectre.Console;

namespace ImageClassification.Cli;

/// <summary><c>predict</c>: the label and top-k class probabilities of image files.</summary>
public static class PredictCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var inputs = new Argument<string[]>("images")
        {
            Description = "Image files and/or folders (searched recursively).",
            Arity = ArgumentArity.OneOrMore,
        };
        var model = new Option<string>("--model", "-m") { Description = "Model file written by train, or the folder holding its model.zip.", DefaultValueFactory = _ => Defaults.ModelPath };
        var device = new Option<ComputeDevice>("--device") { Description = "cpu, cuda or auto.", DefaultValueFactory = _ => ComputeDevice.Auto };
        var topK = new Option<int>("--top-k", "-k") { Description = "How many classes to show per image.", DefaultValueFactory = _ => 3 };

        var command = new Command("predict", "Classify image files with a saved model.") { inputs, model, device, topK };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var ml = new MLContext(seed: 1);
            var (pipeline, classes) = ModelFile.Load(ml, parse.GetValue(model)!, parse.GetValue(device));
            var files = Predictor.ExpandInputs(parse.GetValue(inputs)!);
            int k = Math.Clamp(parse.GetValue(topK), 1, classes.Count);
            var predictions = Predictor.Predict(ml, pipeline, classes, files, k);

            var table = new Table().Border(TableBorder.Rounded).AddColumn("Image").AddColumn("Label").AddColumn($"Top {k}");
            foreach (var p in predictions)
                table.AddRow(Markup.Escape(Path.GetFileName(p.ImagePath)), $"[bold]{Markup.Escape(p.Label)}[/]",
                    Markup.Escape(string.Join("  ", p.Top.Select(t => $"{t.Class} {t.Probability:P1}"))));
            AnsiConsole.Write(table);
        }));
        return command;
    }
}
