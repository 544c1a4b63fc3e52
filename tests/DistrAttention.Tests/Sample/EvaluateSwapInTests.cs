using System.Text.Json;
using ImageClassification.Cli;
using ImageClassification.Data;
using ImageClassification.Training;

namespace DistrAttention.Tests.Sample;

/// <summary>
/// <c>evaluate --attention/-G/-l/--mode</c>: the saved model scored with another attention and no training. Without
/// the overrides it scores exactly as trained; with them its predictions change.
/// </summary>
public sealed class EvaluateSwapInTests
{
    [Fact]
    public void EvaluateWithoutOverridesMatchesTrainAndWithDistrAttentionChangesThePredictions()
    {
        using var temp = new TempFolder();
        string idx = CliTests.CopySubsetAsIdx(temp), output = temp.Combine("out");
        Assert.Equal(0, VitSampleCli.Run(CliTests.TinyTrain(idx, output, "--attention", "exact")));
        var trained = Root(Path.Combine(output, TrainRunner.MetricsJson)).GetProperty("test");

        Assert.Equal(0, VitSampleCli.Run("evaluate", "-m", output, "-d", idx, "-o", temp.Combine("own"), "--device", "cpu"));
        var own = Root(Path.Combine(temp.Combine("own"), EvaluateCommand.EvaluationJson));
        Assert.Equal(trained.GetProperty("logLoss").GetDouble(), own.GetProperty("logLoss").GetDouble());
        Assert.Equal(JsonSerializer.Serialize(trained.GetProperty("confusionMatrix")), JsonSerializer.Serialize(own.GetProperty("confusionMatrix")));
        Assert.Equal("exact attention", own.GetProperty("attention").GetString());
        Assert.Equal(output, own.GetProperty("model").GetString());
        Assert.False(own.TryGetProperty("trainedAttention", out _));

        Assert.Equal(0, VitSampleCli.Run("evaluate", "-m", output, "-d", idx, "-o", temp.Combine("swapped"), "--device", "cpu",
            "--attention", "distr", "-G", "4", "--block-size", "16", "--mode", "Sample"));
        var swapped = Root(Path.Combine(temp.Combine("swapped"), EvaluateCommand.EvaluationJson));
        Assert.Equal("DistrAttention G=4 l=16 Sample", swapped.GetProperty("attention").GetString());
        Assert.Equal("exact attention", swapped.GetProperty("trainedAttention").GetString());
        Assert.NotEqual(own.GetProperty("logLoss").GetDouble(), swapped.GetProperty("logLoss").GetDouble());
    }

    [Fact]
    public void SwappingTheAttentionChangesTheScoresAndSwappingBackRestoresThem()
    {
        using var temp = new TempFolder();
        string idx = CliTests.CopySubsetAsIdx(temp);
        string output = temp.Combine("out");
        Assert.Equal(0, VitSampleCli.Run(CliTests.TinyTrain(idx, output)));
        var ml = new MLContext(seed: 1);
        var (model, classes) = ModelFile.Load(ml, output, DistrAttention.Runtime.ComputeDevice.Cpu);
        var test = DataFolder.LoadTest(idx, "-d/--data", classes);
        var trained = ModelAttention.Vit(model).Config.Attention;
        Assert.Equal(AttentionKind.DistrAttention, trained.Kind);

        var scores = Scores(ml, model, test);
        Assert.Equal(scores, Scores(ml, ModelAttention.With(model, trained), test));
        var exact = Scores(ml, ModelAttention.With(model, AttentionOptions.Exact), test);
        Assert.NotEqual(scores, exact);
        Assert.Equal(scores, Scores(ml, model, test)); // the loaded model itself is unchanged
    }

    [Theory]
    [InlineData("-G/--group-size, -l/--block-size and --mode apply to --attention distr, not exact", "--attention", "exact", "-G", "2")]
    [InlineData("-G/--group-size must be one of 1, 2, 4, 8, 16 (got 3)", "-G", "3")]
    [InlineData("-l/--block-size must be a positive multiple of 16 (got 20)", "--block-size", "20")]
    public void BadOverridesAreOneLineNamingTheFlagBeforeTheModelIsRead(string message, params string[] flags)
    {
        using var temp = new TempFolder();
        var (exitCode, stdout, stderr) = TestProcesses.Run(
            TestProcesses.Sample(["evaluate", "-m", temp.Combine("missing.zip"), .. flags]), TimeSpan.FromMinutes(2));
        Assert.Equal(CommandRunner.InputError, exitCode);
        Assert.Equal("error: " + message, stderr.Trim());
        Assert.Equal("", stdout.Trim());
    }

    private static JsonElement Root(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement;

    private static float[] Scores(MLContext ml, ITransformer model, LabeledImageSet data) =>
        SamplePipeline.Transform(model, ml, data).GetColumn<float[]>(SamplePipeline.Score).SelectMany(s => s).ToArray();
}
