using System.Text.Json;
using ImageClassification.Cli;
using ImageClassification.Data;
using ImageClassification.Training;

namespace DistrAttention.Tests.Sample;

/// <summary>Runs the <c>vit-sample</c> commands in-process on a few embedded images with a tiny model.</summary>
public sealed class CliTests
{
    private static readonly string[] Classes = ["Bag", "Trouser", "Sneaker"];

    // 8 training and 3 test images for each of 3 classes (or as many as asked): the first of each class in the
    // embedded subset, written as PNG class folders under <temp>/data/{train,test}.
    internal static (string Train, string Test) CopySubset(TempFolder temp, int train = 8, int test = 3)
    {
        EmbeddedSubset.WritePngs(temp.Combine("data"), Classes, train, test);
        return (temp.Combine("data", "train"), temp.Combine("data", "test"));
    }

    /// <summary>The same images as <see cref="CopySubset"/>, as IDX files in <c>&lt;temp&gt;/idx</c>.</summary>
    internal static string CopySubsetAsIdx(TempFolder temp, int train = 8, int test = 3)
    {
        EmbeddedSubset.WriteIdx(temp.Combine("idx"), Classes, train, test);
        return temp.Combine("idx");
    }

    internal static string[] TinyTrain(string data, string output, params string[] extra) =>
    [
        "train", "--data", data, "--output", output, "--epochs", "1", "--batch-size", "8",
        "--image-size", "16", "--patch-size", "4", "--block-size", "16", "--threads", "1", "--validation-fraction", "0.25",
        "--device", "cpu", .. extra,
    ];

    [Fact]
    public void TrainWritesModelMetricsAndPlotsThenEvaluateAndPredictUseTheModel()
    {
        using var temp = new TempFolder();
        var (train, test) = CopySubset(temp);
        var output = temp.Combine("out");

        Assert.Equal(0, VitSampleCli.Run(TinyTrain(temp.Combine("data"), output)));

        var model = Path.Combine(output, ModelFile.DefaultName);
        Assert.True(new FileInfo(model).Length > 1000);
        foreach (var png in new[] { TrainRunner.ConfusionMatrixPng, TrainRunner.TrainingCurvePng })
            Assert.True(new FileInfo(Path.Combine(output, png)).Length > 10_000, png);
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, TrainRunner.MetricsJson))))
        {
            var root = json.RootElement;
            Assert.Equal(1, root.GetProperty("epochs").GetArrayLength());
            Assert.Equal(9, root.GetProperty("test").GetProperty("images").GetInt32()); // the test/ split, not validation
            var testMetrics = root.GetProperty("test");
            double accuracy = testMetrics.GetProperty("accuracy").GetDouble();
            Assert.InRange(accuracy, 0, 1);
            // The confusion matrix holds the 9 test images, and its diagonal is the accuracy reported beside it.
            var matrix = testMetrics.GetProperty("confusionMatrix").EnumerateArray()
                .Select(r => r.EnumerateArray().Select(x => x.GetInt32()).ToArray()).ToArray();
            Assert.Equal(3, matrix.Length);
            Assert.All(matrix, r => Assert.Equal(3, r.Length));
            Assert.Equal(9, matrix.Sum(r => r.Sum()));
            Assert.Equal(accuracy, Enumerable.Range(0, 3).Sum(i => matrix[i][i]) / 9.0, 12);
        }
        Assert.Contains("Test metrics", File.ReadAllText(Path.Combine(output, TrainRunner.MetricsMarkdown)));

        var evalOut = temp.Combine("eval");
        Assert.Equal(0, VitSampleCli.Run("evaluate", "--model", model, "--data", test, "--output", evalOut, "--device", "cpu"));
        Assert.True(File.Exists(Path.Combine(evalOut, "evaluation.json")));
        Assert.True(new FileInfo(Path.Combine(evalOut, "evaluation-confusion-matrix.png")).Length > 10_000);

        var (loaded, classes) = ModelFile.Load(new Microsoft.ML.MLContext(), model);
        Assert.Equal(Classes.Order(StringComparer.Ordinal), classes);
        var images = Predictor.ExpandInputs([test]);
        var predictions = Predictor.Predict(new Microsoft.ML.MLContext(), loaded, classes, images, topK: 2);
        Assert.Equal(9, predictions.Count);
        Assert.All(predictions, p =>
        {
            Assert.Contains(p.Label, Classes);
            Assert.Equal(2, p.Top.Count);
            Assert.Equal(p.Label, p.Top[0].Class);
            Assert.True(p.Top[0].Probability >= p.Top[1].Probability);
        });
        Assert.Equal(0, VitSampleCli.Run("predict", "--model", model, images[0], Path.Combine(test, "Bag"), "--device", "cpu"));
    }

    /// <summary>
    /// Training must learn: 30 images of each of 3 embedded classes, 4 epochs of the default model, one thread (so the
    /// run is deterministic). Measured: test accuracy 0.83 with the default seed 1, 0.83-0.90 over seeds 1-5 (chance is
    /// 0.33); the floor 0.6 leaves 0.23 of margin and still fails a trainer that learns nothing or mixes labels up.
    /// The model saved by train, reloaded here and by evaluate, must give the accuracy train reported.
    /// </summary>
    [Fact]
    public void TrainingOnThreeEmbeddedClassesBeatsChanceAndTheReloadedModelAgrees()
    {
        using var temp = new TempFolder();
        var (_, test) = CopySubset(temp, train: 30, test: 20);
        var output = temp.Combine("out");
        Assert.Equal(0, VitSampleCli.Run("train", "--data", temp.Combine("data"), "--output", output, "--epochs", "4",
            "--batch-size", "8", "--threads", "1", "--validation-fraction", "0", "--device", "cpu"));
        double accuracy;
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, TrainRunner.MetricsJson))))
        {
            Assert.Equal(60, json.RootElement.GetProperty("test").GetProperty("images").GetInt32());
            accuracy = json.RootElement.GetProperty("test").GetProperty("accuracy").GetDouble();
        }
        Assert.True(accuracy >= 0.6, $"test accuracy {accuracy:P1} after 4 epochs on 3 classes (chance 33 %, measured 83 %)");

        // The saved model, reloaded in this process: its predictions score exactly the reported accuracy.
        var model = Path.Combine(output, ModelFile.DefaultName);
        var (loaded, classes) = ModelFile.Load(new Microsoft.ML.MLContext(), model);
        var images = Predictor.ExpandInputs([test]);
        var predictions = Predictor.Predict(new Microsoft.ML.MLContext(), loaded, classes, images, topK: 1);
        Assert.Equal(60, predictions.Count);
        int correct = predictions.Count(p => p.Label == Path.GetFileName(Path.GetDirectoryName(p.ImagePath)));
        Assert.Equal(accuracy, correct / 60.0, 12);

        // evaluate reloads it too, and reports the same.
        var evalOut = temp.Combine("eval");
        Assert.Equal(0, VitSampleCli.Run("evaluate", "--model", model, "--data", test, "--output", evalOut, "--device", "cpu"));
        using var evaluation = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalOut, EvaluateCommand.EvaluationJson)));
        Assert.Equal(accuracy, evaluation.RootElement.GetProperty("accuracy").GetDouble(), 12);
    }

    [Fact]
    public void FineTuneFromASavedModelWithExactAttention()
    {
        using var temp = new TempFolder();
        CopySubset(temp);
        var first = temp.Combine("first");
        Assert.Equal(0, VitSampleCli.Run(TinyTrain(temp.Combine("data"), first, "--attention", "exact")));

        var second = temp.Combine("second");
        Assert.Equal(0, VitSampleCli.Run(TinyTrain(temp.Combine("data"), second,
            "--fine-tune", Path.Combine(first, ModelFile.DefaultName), "--attention", "distr", "-G", "2")));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(second, TrainRunner.MetricsJson)));
        Assert.Contains("DistrAttention G=2", json.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public void InputErrorsExitWithCodeOne()
    {
        using var temp = new TempFolder();
        CopySubset(temp);
        Assert.Equal(CommandRunner.InputError, VitSampleCli.Run("train", "--data", temp.Combine("missing"), "--output", temp.Combine("o")));
        Assert.Equal(CommandRunner.InputError, VitSampleCli.Run("evaluate", "--model", temp.Combine("missing.zip")));
        Assert.Equal(CommandRunner.InputError, VitSampleCli.Run("predict", "--model", temp.Combine("missing.zip"), temp.Combine("data")));
        Assert.NotEqual(0, VitSampleCli.Run("train", "--attention", "approximate"));
    }
}
