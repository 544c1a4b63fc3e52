using System.Text.Json;
using ImageClassification.Cli;
using ImageClassification.Training;

namespace DistrAttention.Tests.Sample;

/// <summary>A saved pipeline scores the same in a new process as in the one that trained it.</summary>
public sealed class FreshProcessTests
{
    [Fact]
    public void ASavedModelEvaluatesIdenticallyInAFreshProcess()
    {
        using var temp = new TempFolder();
        var (_, test) = CliTests.CopySubset(temp);
        var output = temp.Combine("out");
        Assert.Equal(0, VitSampleCli.Run(CliTests.TinyTrain(temp.Combine("data"), output)));
        var model = Path.Combine(output, ModelFile.DefaultName);

        var here = temp.Combine("eval-here");
        Assert.Equal(0, VitSampleCli.Run("evaluate", "--model", model, "--data", test, "--output", here, "--device", "cpu"));

        var there = temp.Combine("eval-child");
        var (exitCode, log) = RunSampleInChildProcess("evaluate", "--model", model, "--data", test, "--output", there, "--device", "cpu");
        Assert.True(exitCode == 0, log);

        using var a = JsonDocument.Parse(File.ReadAllText(Path.Combine(here, "evaluation.json")));
        using var b = JsonDocument.Parse(File.ReadAllText(Path.Combine(there, "evaluation.json")));
        // Same predicted label for every image, and the same probabilities up to float rounding.
        Assert.Equal(Property(a, "confusionMatrix").GetRawText(), Property(b, "confusionMatrix").GetRawText());
        Assert.Equal(Property(a, "logLoss").GetDouble(), Property(b, "logLoss").GetDouble(), 1e-6);
        Assert.True(Property(a, "images").GetInt32() > 0);
    }

    private static JsonElement Property(JsonDocument document, string camelCaseName) =>
        document.RootElement.EnumerateObject()
            .First(p => string.Equals(p.Name, camelCaseName, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Starts <c>vit-sample</c> (built beside the tests) with the test run's dependency manifest.</summary>
    private static (int ExitCode, string Log) RunSampleInChildProcess(params string[] arguments)
    {
        var (exitCode, stdout, stderr) = TestProcesses.Run(TestProcesses.Sample(arguments), TimeSpan.FromMinutes(3));
        return (exitCode, stdout + stderr);
    }
}
