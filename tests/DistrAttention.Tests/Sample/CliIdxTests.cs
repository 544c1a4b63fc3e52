using System.Text.Json;
using ImageClassification.Cli;
using ImageClassification.Training;

namespace DistrAttention.Tests.Sample;

/// <summary>
/// <c>train</c> and <c>evaluate</c> read a folder of IDX files directly, and the same images as IDX files or as PNG
/// class folders train the same model to the same metrics (so the embedded set's switch to IDX changes no result).
/// </summary>
/// <remarks>Two trainings compared bit for bit: each seeds torch's process-wide generator, which tests running in
/// parallel draw from too (torch.randn), so this class runs alone.</remarks>
[Collection(GlobalGeneratorCollection.Name)]
public sealed class CliIdxTests
{
    [Fact]
    public void TrainingOnIdxFilesEqualsTrainingOnThePngFoldersOfTheSameImages()
    {
        using var temp = new TempFolder();
        CliTests.CopySubset(temp);
        string idx = CliTests.CopySubsetAsIdx(temp);
        string fromPng = temp.Combine("out-png"), fromIdx = temp.Combine("out-idx");

        Assert.Equal(0, VitSampleCli.Run(CliTests.TinyTrain(temp.Combine("data"), fromPng)));
        Assert.Equal(0, VitSampleCli.Run(CliTests.TinyTrain(idx, fromIdx)));

        var (png, fromIdxFiles) = (Metrics(fromPng), Metrics(fromIdx));
        Assert.Equal(9, fromIdxFiles.GetProperty("test").GetProperty("images").GetInt32()); // the t10k split
        Assert.Equal(Epochs(png), Epochs(fromIdxFiles));
        Assert.Equal(png.GetProperty("test").GetRawText(), fromIdxFiles.GetProperty("test").GetRawText());

        // evaluate: the PNG-trained model on the IDX folder (its t10k split) and on the PNG test folder agree.
        Assert.Equal(0, VitSampleCli.Run("evaluate", "-m", fromPng, "-d", idx, "-o", temp.Combine("eval-idx"), "--device", "cpu"));
        Assert.Equal(0, VitSampleCli.Run("evaluate", "-m", fromPng, "-d", temp.Combine("data"), "-o", temp.Combine("eval-png"), "--device", "cpu"));
        Assert.Equal(Evaluation(temp.Combine("eval-png")), Evaluation(temp.Combine("eval-idx")));
    }

    [Fact]
    public void InitRefusesAFolderOfIdxFilesNamingTheFlag()
    {
        using var temp = new TempFolder();
        string idx = IdxFiles.WriteFolder(temp);
        Assert.Equal(CommandRunner.InputError, VitSampleCli.Run("init", "-d", idx, "-n", "Clothes", "-o", temp.Combine("project")));
        Assert.False(Directory.Exists(temp.Combine("project")));
    }

    private static JsonElement Metrics(string folder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, TrainRunner.MetricsJson))).RootElement;

    private static string Evaluation(string folder) =>
        File.ReadAllText(Path.Combine(folder, EvaluateCommand.EvaluationJson));

    // Loss and accuracies per epoch (not the timings).
    private static string Epochs(JsonElement root) =>
        string.Join(";", root.GetProperty("epochs").EnumerateArray().Select(epoch =>
            string.Join(",", epoch.EnumerateObject().Where(p => p.Name.Contains("Loss") || p.Name.Contains("Accuracy")).Select(p => $"{p.Name}={p.Value}"))));
}
