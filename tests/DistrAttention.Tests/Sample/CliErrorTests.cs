using ImageClassification.Cli;
using ImageClassification.Reports;
using ImageClassification.Training;

namespace DistrAttention.Tests.Sample;

/// <summary>Issue 15: the sample CLI, run as a process, answers bad input with one line naming the flag or file and exit code 1,
/// and a train run replaces its output folder all at once or not at all.</summary>
public sealed class CliErrorTests
{
    private static readonly string[] RunOutputs =
        [ModelFile.DefaultName, TrainRunner.MetricsJson, TrainRunner.MetricsMarkdown, TrainRunner.ConfusionMatrixPng, TrainRunner.TrainingCurvePng];

    [FactWhen(Needs.NoCuda)]
    public void CudaOnAMachineWithoutCudaIsOneLineNamingTheFlag()
    {
        using var temp = new TempFolder();
        CliTests.CopySubset(temp);
        var output = temp.Combine("out");
        var args = CliTests.TinyTrain(temp.Combine("data"), output).ToList();
        args[args.IndexOf("cpu")] = "cuda";
        var r = RunCli([.. args]);
        Assert.Equal(CommandRunner.InputError, r.ExitCode);
        var line = Assert.Single(Lines(r.Stderr));
        Assert.Contains("--device cuda", line);
        Assert.Contains("CUDA is not available", line);
        Assert.DoesNotContain("Unhandled", r.Stderr);
        Assert.DoesNotContain("Training", r.Stdout);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("-G/--group-size must be one of 1, 2, 4, 8, 16 (got 3)", "-G", "3")]
    [InlineData("-l/--block-size must be a positive multiple of 16 (got 20)", "-l", "20")]
    [InlineData("--validation-fraction must be in [0, 1) (got 1)", "--validation-fraction", "1")]
    [InlineData("-e/--epochs must be positive (got 0)", "--epochs", "0")]
    [InlineData("-b/--batch-size must be positive (got -1)", "--batch-size", "-1")]
    [InlineData("--image-size must be divisible by --patch-size (got 30 and 7)", "--image-size", "30")]
    public void BadTrainOptionsAreOneLineNamingTheFlagBeforeAnyBanner(string message, string flag, string value)
    {
        using var temp = new TempFolder();
        // The data folder does not exist: the option must be rejected before any data is looked at.
        var r = RunCli("train", "--data", temp.Combine("missing"), "--output", temp.Combine("out"), flag, value);
        Assert.Equal(CommandRunner.InputError, r.ExitCode);
        Assert.Equal("error: " + message, Assert.Single(Lines(r.Stderr)));
        Assert.Equal("", r.Stdout.Trim());
    }

    [Fact]
    public void AnInterruptedRunLeavesTheOldOutputsAndASuccessfulRunReplacesThemAll()
    {
        using var temp = new TempFolder();
        CliTests.CopySubset(temp);
        var output = temp.Combine("out");
        Assert.Equal(0, VitSampleCli.Run(CliTests.TinyTrain(temp.Combine("data"), output)));
        var before = Snapshot(output);
        Assert.Equal(RunOutputs.Order(StringComparer.Ordinal), before.Keys);

        // Interrupted after model.zip is written and before the metrics are: nothing in the folder changes.
        var interrupted = RunCli(CliTests.TinyTrain(temp.Combine("data"), output, "--seed", "2"),
            (TrainRunner.TestInterruptVariable, "after-model"));
        Assert.Equal(CommandRunner.Interrupted, interrupted.ExitCode);
        Assert.Equal($"Interrupted: {output} left unchanged", Assert.Single(Lines(interrupted.Stderr)));
        AssertSame(before, Snapshot(output));
        Assert.Equal(["out"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName).Where(n => n!.StartsWith("out", StringComparison.Ordinal)));

        // A finished run replaces every file (another seed gives another model and other metrics).
        var done = RunCli(CliTests.TinyTrain(temp.Combine("data"), output, "--seed", "2"));
        Assert.True(done.ExitCode == 0, done.Stderr);
        var after = Snapshot(output);
        Assert.Equal(before.Keys, after.Keys);
        Assert.NotEqual(before[ModelFile.DefaultName], after[ModelFile.DefaultName]);
        Assert.NotEqual(before[TrainRunner.MetricsJson], after[TrainRunner.MetricsJson]);
        Assert.Contains("\"seed\": 2", File.ReadAllText(Path.Combine(output, TrainRunner.MetricsJson)));
        Assert.Equal(["out"], Directory.EnumerateFileSystemEntries(temp.Path).Select(Path.GetFileName).Where(n => n!.StartsWith("out", StringComparison.Ordinal)));
    }

    [Fact]
    public void AnOutputFolderWithOtherFilesIsRefusedNamingTheFlag()
    {
        using var temp = new TempFolder();
        var output = temp.Combine("out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        var r = RunCli("train", "--data", temp.Combine("missing"), "--output", output);
        Assert.Equal(CommandRunner.InputError, r.ExitCode);
        var line = Assert.Single(Lines(r.Stderr));
        Assert.Contains("-o/--output", line);
        Assert.Contains("'notes.txt'", line);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "notes.txt")));
    }

    [Fact]
    public void PredictAndEvaluateTakeAModelFolderNameBadImagesMarkAbsentClassesAndDoNotWrap()
    {
        using var temp = new TempFolder();
        var (_, test) = CliTests.CopySubset(temp);
        var output = temp.Combine("out");
        Assert.Equal(0, VitSampleCli.Run(CliTests.TinyTrain(temp.Combine("data"), output)));

        // predict -m <folder holding model.zip>
        var image = Directory.GetFiles(Path.Combine(test, "Bag"))[0];
        var predicted = RunCli("predict", "-m", output, image, "--device", "cpu");
        Assert.True(predicted.ExitCode == 0, predicted.Stderr);
        Assert.Contains(Path.GetFileName(image), predicted.Stdout);
        var noModel = RunCli("predict", "-m", temp.Combine("data"), image);
        Assert.Equal(CommandRunner.InputError, noModel.ExitCode);
        Assert.Contains($"'{temp.Combine("data")}' holds no {ModelFile.DefaultName}", Assert.Single(Lines(noModel.Stderr)));

        // A zero-byte and a truncated image: one line naming the file.
        var empty = temp.Combine("empty.png");
        File.WriteAllBytes(empty, []);
        var truncated = temp.Combine("truncated.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(image)[..100]);
        foreach (var bad in new[] { empty, truncated })
        {
            var r = RunCli("predict", "-m", output, bad, "--device", "cpu");
            Assert.Equal(CommandRunner.InputError, r.ExitCode);
            Assert.Contains($"'{bad}'", Assert.Single(Lines(r.Stderr)));
        }

        // evaluate: the help names the file it writes; a class with no test images is marked absent; no wrapping.
        var help = RunCli("evaluate", "--help");
        Assert.Contains(EvaluateCommand.ConfusionMatrixPng, help.Stdout);
        Directory.Delete(Path.Combine(test, "Sneaker"), recursive: true);
        var evalOut = temp.Combine("a-long-folder-name-so-that-the-wrote-line-is-longer-than-eighty-columns", "evaluation");
        var evaluated = RunCli("evaluate", "-m", output, "--data", test, "--output", evalOut, "--device", "cpu");
        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
        Assert.True(File.Exists(Path.Combine(evalOut, EvaluateCommand.ConfusionMatrixPng)));
        var sneaker = Assert.Single(Lines(evaluated.Stdout), l => l.Contains("Sneaker"));
        Assert.Contains(ClassReport.AbsentText, sneaker);
        Assert.DoesNotContain("0.0 %", sneaker);
        Assert.Contains(Lines(evaluated.Stdout), l => l.Contains(Path.Combine(evalOut, EvaluateCommand.EvaluationJson))
            && l.Contains(Path.Combine(evalOut, EvaluateCommand.ConfusionMatrixPng)));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(l => l.Length > 0).ToArray();

    private static SortedDictionary<string, string> Snapshot(string folder) => new(
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);

    private static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, hash) in expected)
            Assert.True(hash == actual[name], $"{name} changed");
    }

    private sealed record Result(int ExitCode, string Stdout, string Stderr);

    private static Result RunCli(params string[] arguments) => RunCli(arguments, []);

    /// <summary>Runs <c>vit-sample</c> (built beside the tests) as a child process with redirected output.</summary>
    private static Result RunCli(string[] arguments, params (string Name, string Value)[] environment)
    {
        var start = TestProcesses.Sample(arguments);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        var (exitCode, stdout, stderr) = TestProcesses.Run(start, TimeSpan.FromMinutes(3));
        return new Result(exitCode, stdout, stderr);
    }
}
