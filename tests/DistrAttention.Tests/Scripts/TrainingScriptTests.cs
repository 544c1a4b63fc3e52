using System.Text.Json;
using DistrAttention.Tests.Sample;
using DistrAttention.Tests.Scaffolding;

namespace DistrAttention.Tests.Scripts;

/// <summary>
/// <c>scripts/train-vit.cs</c> and <c>scripts/predict-vit.cs</c> run as .NET 10 single-file programs (<c>dotnet run file.cs</c>)
/// on a few embedded images: train 1 epoch of a tiny model from a JSON config, then classify an image with its model.
/// They build against the library these tests were built with (same configuration, project references not rebuilt).
/// </summary>
public sealed class TrainingScriptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public void TrainVitTrainsFromAConfigAndPredictVitClassifiesLikeTheLibrary()
    {
        using var temp = new TempFolder();
        var (_, test) = CliTests.CopySubset(temp);
        string config = temp.Combine("tiny.json");
        // Relative paths are relative to the config file.
        File.WriteAllText(config, """
            {
              // a tiny model: 16x16 grey, patch 4, width 32, 1 block, 2 heads
              "data": "data", "output": "out",
              "preset": "Tiny", "embedDim": 32, "depth": 1, "numHeads": 2,
              "imageSize": 16, "patchSize": 4, "channels": 1,
              "attention": "DistrAttention", "g": 2, "l": 16, "mode": "Mean",
              "epochs": 1, "batchSize": 8, "device": "Cpu",
            }
            """);

        var train = RunScript("train-vit.cs", config);
        Assert.True(train.ExitCode == 0, "train-vit.cs failed:\n" + train.Output);
        Assert.Contains("epoch 1/1", train.Output);
        Assert.Contains("width 32, depth 1, 2 heads, DistrAttention G = 2, l = 16, Mean", train.Output);
        string model = temp.Combine("out", "model.zip");
        Assert.True(File.Exists(model), train.Output);
        using (var metrics = JsonDocument.Parse(File.ReadAllText(temp.Combine("out", "metrics.json"))))
            Assert.InRange(metrics.RootElement.GetProperty("accuracy").GetDouble(), 0, 1);

        string image = Directory.GetFiles(Path.Combine(test, "Bag")).Order(StringComparer.Ordinal).First();
        var predict = RunScript("predict-vit.cs", config, image);
        Assert.True(predict.ExitCode == 0, "predict-vit.cs failed:\n" + predict.Output);
        PrintedPrediction.AssertEqualsLibrary(predict.Output, image, model);

        // A config without a required field: one line naming it, exit code 1, nothing trained.
        File.WriteAllText(config, """{ "output": "out2" }""");
        var missing = RunScript("train-vit.cs", config);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains($"error: {config}: ", missing.Output);
        Assert.Contains("'data'", missing.Output);
        Assert.False(Directory.Exists(temp.Combine("out2")));
    }

    private static (int ExitCode, string Output) RunScript(string script, params string[] arguments) =>
        TestProcesses.RunDotnet(TestProcesses.RepositoryRoot(), Timeout,
        [
            "run", Path.Combine("scripts", script), "-c", TestProcesses.Configuration, "-p:BuildProjectReferences=false",
            "--", .. arguments,
        ]);
}
