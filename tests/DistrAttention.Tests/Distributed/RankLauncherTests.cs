using System.Diagnostics;
using ImageClassification.Cli;
using ImageClassification.Distributed;

namespace DistrAttention.Tests.Distributed;

/// <summary>
/// <c>vit-sample train --gpus N</c>: the ranks' command line and variables, the supervisor (prefixed output, one failing
/// rank stops the others; run here with <c>/bin/sh</c> as the ranks) and the flag's one-line errors.
/// </summary>
public class RankLauncherTests
{
    [Fact]
    public void TheRanksRunThisCommandLineWithoutGpus()
    {
        var (file, args) = RankLauncher.ChildCommand("/opt/app/vit-sample", ["/opt/app/vit-sample", "train", "--gpus", "2", "-b", "64"]);
        Assert.Equal("/opt/app/vit-sample", file);
        Assert.Equal(["train", "-b", "64"], args);
        (file, args) = RankLauncher.ChildCommand("/usr/bin/dotnet", ["/x/vit-sample.dll", "train", "--gpus=4"]);
        Assert.Equal("/usr/bin/dotnet", file);
        Assert.Equal(["/x/vit-sample.dll", "train"], args);
        (file, args) = RankLauncher.ChildCommand("/b/distrattention-gpu", ["/b/distrattention-gpu", "sample", "train", "--gpus", "2"]);
        Assert.Equal(["sample", "train"], args);
        Assert.Throws<InvalidOperationException>(() => RankLauncher.ChildCommand("/usr/bin/dotnet", ["testhost.dll", "--port", "1"]));
    }

    [Fact]
    public void EachRankGetsTorchrunsVariables()
    {
        var env = RankLauncher.Environment(1, 2, 29500);
        Assert.Equal("1", env["RANK"]);
        Assert.Equal("1", env["LOCAL_RANK"]);
        Assert.Equal("2", env["WORLD_SIZE"]);
        Assert.Equal("127.0.0.1", env["MASTER_ADDR"]);
        Assert.Equal("29500", env["MASTER_PORT"]);
    }

    [Fact]
    public void OutputIsPrefixedByRankAndSuccessIsZero()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        int code = RankLauncher.Run("/bin/sh", ["-c", "echo \"rank $RANK of $WORLD_SIZE\"; echo oops >&2"], 3,
            r => RankLauncher.Environment(r, 3, 1), output, error);
        Assert.Equal(0, code);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToList();
        Assert.Equal(["[rank 0] rank 0 of 3", "[rank 1] rank 1 of 3", "[rank 2] rank 2 of 3"], lines);
        Assert.Equal(3, error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.EndsWith("] oops", StringComparison.Ordinal)));
    }

    [Fact]
    public void OneFailingRankStopsTheOthers()
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var clock = Stopwatch.StartNew();
        // Rank 1 fails at once; ranks 0 and 2 would wait a minute (as ranks blocked in NCCL would wait forever).
        int code = RankLauncher.Run("/bin/sh", ["-c", "if [ \"$RANK\" = 1 ]; then echo broken >&2; exit 3; fi; sleep 60"], 3,
            r => RankLauncher.Environment(r, 3, 1), output, error);
        Assert.Equal(3, code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the others were not stopped ({clock.Elapsed.TotalSeconds:F0} s)");
        Assert.Contains("[rank 1] broken", error.ToString());
        Assert.Contains("rank 1 exited with code 3; stopping rank(s) 0, 2", error.ToString());
    }

    [Theory]
    [InlineData("error: --gpus must be at least 1 (got 0)", "0", "cpu", null)]
    [InlineData("error: --gpus 2 trains one process per GPU; it cannot be combined with --device cpu", "2", "cpu", null)]
    [InlineData("error: --gpus starts the ranks itself, but this process already is one (WORLD_SIZE=2, e.g. under torchrun): drop --gpus", "2", "auto", "2")]
    public void BadUseIsOneLineNamingTheFlag(string message, string gpus, string device, string? worldSize)
    {
        using var temp = new TempFolder("gpus-");
        string dir = temp.Path;
        var start = TestProcesses.Sample(["train", "--data", Path.Combine(dir, "missing"), "--output", Path.Combine(dir, "out"),
            "--gpus", gpus, "--device", device]);
        if (worldSize is not null) start.Environment["WORLD_SIZE"] = worldSize;
        var (exitCode, stdout, stderr) = TestProcesses.Run(start, TimeSpan.FromMinutes(2));
        Assert.Equal(CommandRunner.InputError, exitCode);
        Assert.Equal(message, stderr.Trim());
        Assert.Equal("", stdout.Trim());
    }

    [FactWhen(Needs.NoCuda)]
    public void WithoutCudaGpusIsOneLine()
    {
        using var temp = new TempFolder("gpus-");
        string dir = temp.Path;
        var (exitCode, _, stderr) = TestProcesses.Run(TestProcesses.Sample(["train", "--data", Path.Combine(dir, "missing"),
            "--output", Path.Combine(dir, "out"), "--gpus", "2"]), TimeSpan.FromMinutes(2));
        Assert.Equal(CommandRunner.InputError, exitCode);
        Assert.StartsWith("error: --gpus 2: CUDA is not available in this process", stderr.Trim());
    }
}
