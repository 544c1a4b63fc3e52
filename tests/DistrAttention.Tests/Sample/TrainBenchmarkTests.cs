using System.Text.Json;
using ImageClassification.Benchmark;
using ImageClassification.Cli;

namespace DistrAttention.Tests.Sample;

/// <summary><c>vit-sample benchmark --train</c>: options, the child-process command, the report, and a CPU smoke run.</summary>
public sealed class TrainBenchmarkTests
{
    private const double MiB = 1.0;

    [Theory]
    [InlineData("float32", ComputePrecision.Float32)]
    [InlineData("fp32", ComputePrecision.Float32)]
    [InlineData("bfloat16", ComputePrecision.BFloat16)]
    [InlineData("BF16", ComputePrecision.BFloat16)]
    [InlineData("float16", ComputePrecision.Float16)]
    [InlineData(null, ComputePrecision.BFloat16)]
    public void PrecisionNamesParse(string? text, ComputePrecision expected) =>
        Assert.Equal(expected, TrainBenchmarkSettings.ParsePrecision(text));

    [Fact]
    public void ABadPrecisionNamesTheFlagAndTheValue()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainBenchmarkSettings.ParsePrecision("fp8"));
        Assert.Contains("--precision", e.Message);
        Assert.Contains("'fp8'", e.Message);
        Assert.Contains("float32, bfloat16 or float16", e.Message);
    }

    [Fact]
    public void TheCommandLineRejectsABadPrecisionWithExitCodeOne()
    {
        using var temp = new TempFolder();
        Assert.Equal(CommandRunner.InputError,
            VitSampleCli.Run("benchmark", "--train", "--device", "cpu", "--precision", "int8", "--output", temp.Path));
        // --precision belongs to --train; inference takes --dtype
        Assert.Equal(CommandRunner.InputError,
            VitSampleCli.Run("benchmark", "--device", "cpu", "--precision", "bf16", "--output", temp.Path));
        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void ConfigurationsDefaultToTiSBAt224AndBAt384AndOtherwiseCrossModelsWithSizes()
    {
        Assert.Equal(["tiny@224", "small@224", "base@224", "base@384"],
            TrainBenchmarkSettings.ParseConfigs(null, null).Select(c => c.ToString()));
        Assert.Equal(["base@224"], TrainBenchmarkSettings.ParseConfigs("base", null).Select(c => c.ToString()));
        Assert.Equal(["tiny@384", "small@384", "base@384"], TrainBenchmarkSettings.ParseConfigs(null, "384").Select(c => c.ToString()));
        Assert.Equal(["tiny@224", "tiny@384", "w32d1h2@224", "w32d1h2@384"],
            TrainBenchmarkSettings.ParseConfigs("tiny, W32D1H2", "224,384").Select(c => c.ToString()));
        var e = Assert.Throws<ArgumentException>(() => TrainBenchmarkSettings.ParseConfigs("huge", null));
        Assert.Contains("huge", e.Message);
        Assert.Contains("--image-sizes", Assert.Throws<ArgumentException>(() => TrainBenchmarkSettings.ParseConfigs(null, "224,x")).Message);
    }

    [Fact]
    public void TrainSettingsHaveTrainingDefaultsAndNameTheFlagOfABadValue()
    {
        var s = Settings();
        Assert.Equal(5, s.Warmup);
        Assert.Equal(3, s.Repetitions);
        Assert.Equal(20, s.Steps);
        Assert.Equal(ComputePrecision.BFloat16, s.Precision);
        Assert.Equal(1000, s.Classes);
        Assert.True(s.InProcess); // the CPU's default
        Assert.False(Settings(inProcess: false).InProcess); // --in-process false: child processes on the CPU too
        Assert.Equal([2, 4], s.GroupSizes);

        Assert.Contains("--groups", Assert.Throws<ArgumentException>(() => Settings(groups: "2,3")).Message);
        Assert.Contains("--batch", Assert.Throws<ArgumentException>(() => Settings(batch: 0)).Message);
        Assert.Contains("--block-size", Assert.Throws<ArgumentException>(() => Settings(blockSize: 40)).Message);
        Assert.Contains("--pytorch-script", Assert.Throws<ArgumentException>(() => Settings(script: "/no/such/script.py")).Message);
    }

    private static TrainBenchmarkSettings Settings(string groups = "2,4", int batch = 64, int blockSize = 64, string? script = null,
        bool? inProcess = null) =>
        BenchmarkCommand.ParseTrainSettings(ComputeDevice.Cpu, null, null, null, groups, blockSize, batch, 1000, 3, 16,
            warmup: null, steps: 20, repetitions: null, 1e-4, "out", script, "python3", inProcess, skipInference: false,
            inferenceRepetitions: 20, childTimeoutSeconds: 600);

    [Fact]
    public void CasesAreEachConfigurationWithExactThenEachGroupSizeAndSurviveJson()
    {
        var s = new TrainBenchmarkSettings { Device = "cuda", OutputDirectory = "x", Precision = ComputePrecision.Float16, GroupSizes = [2, 4] };
        var cases = TrainCase.All(s).ToList();
        Assert.Equal(12, cases.Count);
        Assert.Equal([1, 2, 4], cases.Take(3).Select(c => c.GroupSize));
        Assert.All(cases.Take(3), c => Assert.Equal("tiny", c.Model));
        Assert.Equal("Exact", cases[0].Attention);
        Assert.Equal("DistrAttention", cases[1].Attention);

        Assert.All(cases, c => Assert.Same(s, c.Settings));
        var back = TrainCase.FromJson(cases[11].ToJson());
        Assert.Equal((cases[11].Model, cases[11].ImageSize, cases[11].GroupSize), (back.Model, back.ImageSize, back.GroupSize));
        Assert.Equal(cases[11].ToJson(), back.ToJson());
        Assert.Equal(ComputePrecision.Float16, back.Settings.Precision);
        Assert.Contains("--single", Assert.Throws<ArgumentException>(() => TrainCase.FromJson("{not json")).Message);
    }

    [Fact]
    public void TheChildCommandRepeatsTheProgramAndWhatCameBeforeBenchmark()
    {
        // the GPU bundle: distrattention-gpu sample benchmark --train …
        var (file, args) = ChildProcess.SelfCommand("/b/distrattention-gpu",
            ["/b/distrattention-gpu", "sample", "benchmark", "--train", "--device", "cuda"], ["--single", "{}"]);
        Assert.Equal("/b/distrattention-gpu", file);
        Assert.Equal(["sample", "benchmark", "--single", "{}"], args);

        // the apphost: vit-sample benchmark --train
        (file, args) = ChildProcess.SelfCommand("/s/vit-sample", ["/s/vit-sample.dll", "benchmark", "--train"], ["--single", "{}"]);
        Assert.Equal("/s/vit-sample", file);
        Assert.Equal(["benchmark", "--single", "{}"], args);

        // dotnet vit-sample.dll benchmark --train
        (file, args) = ChildProcess.SelfCommand("/usr/bin/dotnet", ["/s/vit-sample.dll", "benchmark", "--train"], ["--single", "{}"]);
        Assert.Equal("/usr/bin/dotnet", file);
        Assert.Equal(["/s/vit-sample.dll", "benchmark", "--single", "{}"], args);

        Assert.Throws<InvalidOperationException>(() => ChildProcess.SelfCommand("/t/testhost", ["/t/testhost.dll", "--port", "1"], []));
    }

    private static TrainMeasurement Cs(string model, int size, int g, double ms, double mib, string note = "") =>
        new(model, size, (size / 16) * (size / 16) + 1, g == 1 ? "Exact" : "DistrAttention", g, g == 1 ? "sdpa" : "NativeQTilde",
            "BFloat16", 64, ms, 64 / (ms / 1000), mib * MiB, 500, 6.9, "NVIDIA Test GPU", note);

    private static PyTorchMeasurement Py(string mode, string model, int size, double ms, double mib) =>
        new(mode, model, size, mode == "train" ? "bfloat16" : "float16", 64, ms, 64 / (ms / 1000), mib, 480, mib / 2, mib - 100,
            mode == "train" ? 6.9 : double.NaN, "NVIDIA Test GPU", "2.11.0", "timm 1.0.29", "");

    private static TrainBenchmarkResult Synthetic() => new(
        [Cs("base", 224, 1, 20, 4096), Cs("base", 224, 2, 30, 5120), Cs("base", 224, 4, 25, double.NaN, "device memory unknown"),
         Cs("tiny", 224, 1, 5, 1024)],
        [Py("train", "base", 224, 10, 2048)], // no PyTorch row for tiny
        [new BenchmarkRow("base", 224, 197, "Exact", 1, 0, 1000, double.NaN, ""), new BenchmarkRow("base", 224, 197, "Native", 2, 64, 900, double.NaN, ""),
         new BenchmarkRow("tiny", 224, 197, "Exact", 1, 0, 20000, double.NaN, "")],
        [Py("infer", "base", 224, 64.0 / 800 * 1000, double.NaN)], "");

    [Fact]
    public void ComparisonRatiosAreCSharpOverPyTorchAndOverCSharpExact()
    {
        var r = Synthetic();
        var rows = TrainBenchReport.Compare(r.Training, r.PyTorchTraining);
        Assert.Equal(2.0, rows[0].TimeVsPyTorch, 12);
        Assert.Equal(2.0, rows[0].MemoryVsPyTorch, 12);
        Assert.Equal(1.0, rows[0].TimeVsExact, 12);
        Assert.Equal(1.0, rows[0].MemoryVsExact, 12);
        Assert.Equal(3.0, rows[1].TimeVsPyTorch, 12);
        Assert.Equal(2.5, rows[1].MemoryVsPyTorch, 12);
        Assert.Equal(1.5, rows[1].TimeVsExact, 12);
        Assert.Equal(1.25, rows[1].MemoryVsExact, 12);
        Assert.Equal(1.25, rows[2].TimeVsExact, 12);
        Assert.True(double.IsNaN(rows[2].MemoryVsExact)); // unknown memory gives no ratio
        Assert.Null(rows[3].PyTorch);
        Assert.True(double.IsNaN(rows[3].TimeVsPyTorch));
        Assert.Equal(1.0, rows[3].TimeVsExact, 12);

        var inference = TrainBenchReport.CompareInference(r.Inference, r.PyTorchInference);
        Assert.Equal(1.25, inference[0].CSharpVsPyTorch, 9);   // 1000 vs 800 images/s
        Assert.Equal(1.125, inference[1].CSharpVsPyTorch, 9);  // the native row against PyTorch's exact model
        Assert.True(double.IsNaN(inference[2].CSharpVsPyTorch));

        Assert.True(double.IsNaN(TrainBenchReport.Ratio(1, 0)));
        Assert.True(double.IsNaN(TrainBenchReport.Ratio(double.NaN, 2)));
        Assert.True(double.IsNaN(TrainBenchReport.Ratio(1, null)));
    }

    [Fact]
    public void TheReportStatesCommandCommitDateAndDeviceAndWritesTablesJsonAndPng()
    {
        using var temp = new TempFolder();
        var s = new TrainBenchmarkSettings { Device = "cuda", OutputDirectory = temp.Path };
        var info = new RunInfo("vit-sample benchmark --train", "STEPS=train-bench scripts/gpu-suite.sh", "abc1234", "2026-12-04 10:00 UTC", "NVIDIA Test GPU");
        var result = Synthetic();

        string markdown = TrainBenchReport.WriteAll(result, s, info);

        Assert.Contains("commit abc1234", markdown);
        Assert.Contains("2026-12-04 10:00 UTC", markdown);
        Assert.Contains("device: NVIDIA Test GPU", markdown);
        Assert.Contains("`vit-sample benchmark --train` (run by `STEPS=train-bench scripts/gpu-suite.sh`)", markdown);
        Assert.Contains("torch 2.11.0, model timm 1.0.29", markdown);
        Assert.Contains(TrainBenchReport.MemoryNote, markdown);
        string[] lines = markdown.Split('\n');
        string g2 = lines.Single(l => l.StartsWith("| base | 224 | 197 | DistrAttention | 2 |", StringComparison.Ordinal));
        Assert.Contains("| 30.00 | 2133 | 10.00 | 6400 | 3.00× | 5.00 | 2.00 | 2.50× | 1.50× | 1.25× |", g2);
        string tiny = lines.First(l => l.StartsWith("| tiny | 224 | 197 | Exact | 1 | sdpa |", StringComparison.Ordinal));
        Assert.Contains("| – | – | – |", tiny);
        Assert.Contains("## Inference", markdown);
        Assert.Contains("| base | 224 | 197 | Exact | 1 | 1000 | 800 | 1.25× |", markdown);
        Assert.Equal(markdown, File.ReadAllText(temp.Combine("train-bench.md")));

        using var json = JsonDocument.Parse(File.ReadAllText(temp.Combine("train-bench.json")));
        var root = json.RootElement;
        Assert.Equal("abc1234", root.GetProperty("commit").GetString());
        Assert.Equal("NVIDIA Test GPU", root.GetProperty("device").GetString());
        var training = root.GetProperty("training");
        Assert.Equal(4, training.GetArrayLength());
        Assert.Equal(1.5, training[1].GetProperty("timeVsExact").GetDouble(), 12);
        Assert.Equal(3.0, training[1].GetProperty("timeVsPytorch").GetDouble(), 12);
        Assert.Equal(30, training[1].GetProperty("csharp").GetProperty("msPerStep").GetDouble());
        Assert.Equal(1024, training[1].GetProperty("pytorch").GetProperty("maxAllocatedMiB").GetDouble());
        Assert.Equal(JsonValueKind.Null, training[2].GetProperty("memoryVsExact").ValueKind); // NaN is written as null
        Assert.Equal(JsonValueKind.Null, training[3].GetProperty("pytorch").ValueKind);
        Assert.Equal(1.25, root.GetProperty("inference")[0].GetProperty("csharpVsPytorch").GetDouble(), 9);

        var png = File.ReadAllBytes(temp.Combine("train-bench-infer.png"));
        Assert.True(png.Length > 10_000, $"{png.Length} bytes");
        Assert.Equal((byte)'P', png[1]);
    }

    [Fact]
    public void PyTorchLinesAreReadAndOtherOutputIsIgnored()
    {
        string output = string.Join('\n',
            "timm not usable (ImportError: x); using the hand-written ViT",
            """{"mode": "train", "model": "base", "imageSize": 384, "precision": "bfloat16", "batch": 64, "msPerStep": 75.5, "imagesPerSecond": 847.7, "memoryUsedMiB": 30000.0, "memoryBaselineMiB": 500.0, "maxAllocatedMiB": 25000.0, "maxReservedMiB": 29000.0, "loss": 6.95, "device": "NVIDIA H200", "torch": "2.11.0+cu130", "implementation": "timm 1.0.29", "note": ""}""",
            """{"mode": "infer", "model": "tiny", "imageSize": 224, "precision": "float16", "batch": 64, "msPerStep": 2.5, "imagesPerSecond": 25600, "memoryUsedMiB": null, "memoryBaselineMiB": null, "maxAllocatedMiB": null, "maxReservedMiB": null, "loss": null, "device": "NVIDIA H200", "torch": "2.11.0+cu130", "implementation": "fallback ViT", "note": ""}""",
            "{broken",
            """{"unrelated": 1}""");
        var rows = PyTorchBaseline.Parse(output);
        Assert.Equal(2, rows.Count);
        Assert.Equal(("train", "base", 384), (rows[0].Mode, rows[0].Model, rows[0].ImageSize));
        Assert.Equal(75.5, rows[0].MsPerStep);
        Assert.Equal(30000.0, rows[0].MemoryUsedMiB);
        Assert.True(double.IsNaN(rows[1].MemoryUsedMiB));
        Assert.True(double.IsNaN(rows[1].Loss));
        Assert.Equal("", rows[1].Note);
    }

    [Fact]
    public void ThePyTorchScriptGetsTheSameSettings()
    {
        var s = new TrainBenchmarkSettings
        {
            Device = "cuda", OutputDirectory = "x", PyTorchScript = "/r/bench/pytorch/vit_train_bench.py",
            Precision = ComputePrecision.Float32, Batch = 32, Classes = 100, Steps = 30, Repetitions = 5, InferenceRepetitions = 7,
        };
        var train = PyTorchBaseline.Arguments(s, "train");
        Assert.Equal("/r/bench/pytorch/vit_train_bench.py", train[0]);
        Assert.Equal("tiny@224,small@224,base@224,base@384", After(train, "--configs"));
        Assert.Equal("float32", After(train, "--precision"));
        Assert.Equal("32", After(train, "--batch"));
        Assert.Equal("100", After(train, "--classes"));
        Assert.Equal("30", After(train, "--steps"));
        Assert.Equal("5", After(train, "--repetitions"));
        Assert.Equal("0.0001", After(train, "--lr"));
        var infer = PyTorchBaseline.Arguments(s, "infer");
        Assert.Equal("infer", After(infer, "--mode"));
        Assert.Equal("float16", After(infer, "--precision"));
        Assert.Equal("7", After(infer, "--repetitions"));
    }

    private static string After(List<string> args, string flag) => args[args.IndexOf(flag) + 1];

    [Fact]
    public void ASingleCaseRunsOnTheCpuAndPrintsOneResultLine()
    {
        var c = new TrainCase
        {
            Model = "w32d1h2", ImageSize = 32, GroupSize = 2,
            Settings = new TrainBenchmarkSettings
            {
                Device = "cpu", OutputDirectory = "unused", BlockSize = 16, Batch = 4, Classes = 10, Warmup = 1, Steps = 2,
                Repetitions = 1, Precision = ComputePrecision.Float32,
            },
        };
        var output = new StringWriter();
        Assert.Equal(0, TrainBenchmark.RunSingle(c.ToJson(), output));
        string line = output.ToString().Trim();
        Assert.StartsWith(TrainBenchmark.ResultMarker, line);
        var m = JsonSerializer.Deserialize<TrainMeasurement>(line[TrainBenchmark.ResultMarker.Length..], BenchJson.Options)!;
        Assert.Equal("", m.Note);
        Assert.Equal("DistrAttention", m.Attention);
        Assert.Equal(5, m.Tokens);
        Assert.True(m.MsPerStep > 0 && double.IsFinite(m.MsPerStep));
        Assert.Equal(4 / (m.MsPerStep / 1000), m.ImagesPerSecond, 6);
        Assert.True(double.IsFinite(m.Loss) && m.Loss > 0);
        Assert.True(double.IsNaN(m.MemoryUsedMiB)); // no device memory on the CPU
        Assert.Equal("CPU", m.Device);
    }

    [Fact]
    public void TheTrainingBenchmarkRunsEndToEndOnTheCpu()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, VitSampleCli.Run("benchmark", "--train", "--device", "cpu", "--models", "w32d1h2", "--image-sizes", "32",
            "--batch", "4", "--steps", "2", "--warmup", "1", "--repetitions", "1", "--block-size", "16", "--classes", "10",
            "--inference-repetitions", "2", "--output", temp.Path));

        using var json = JsonDocument.Parse(File.ReadAllText(temp.Combine("train-bench.json")));
        var training = json.RootElement.GetProperty("training");
        Assert.Equal(3, training.GetArrayLength()); // Exact, G = 2, G = 4
        foreach (var row in training.EnumerateArray())
        {
            var cs = row.GetProperty("csharp");
            Assert.True(cs.GetProperty("msPerStep").GetDouble() > 0, cs.ToString());
            Assert.True(double.IsFinite(cs.GetProperty("loss").GetDouble()), cs.ToString());
            Assert.Equal("", cs.GetProperty("note").GetString());
        }
        Assert.Equal([1, 2, 4], training.EnumerateArray().Select(r => r.GetProperty("csharp").GetProperty("groupSize").GetInt32()));
        var inference = json.RootElement.GetProperty("inference");
        Assert.True(inference[0].GetProperty("csharpImagesPerSecond").GetDouble() > 0);
        string markdown = File.ReadAllText(temp.Combine("train-bench.md"));
        Assert.Contains("## Training step", markdown);
        Assert.Contains("PyTorch: not run", markdown);
        Assert.True(File.Exists(temp.Combine("train-bench-infer.png")));
    }

    [Fact]
    public void CudartIsLookedUpBySonameThenBesideTheTorchInstall()
    {
        using var temp = new TempFolder();
        string torchLib = temp.Combine("site-packages", "torch", "lib");
        string cu13 = temp.Combine("site-packages", "nvidia", "cu13", "lib");
        Directory.CreateDirectory(torchLib);
        Directory.CreateDirectory(cu13);
        File.WriteAllText(Path.Combine(cu13, "libcudart.so.13"), "");
        var candidates = GpuMemory.CudartCandidates(torchLib).ToList();
        Assert.Equal(["libcudart.so.13", "libcudart.so.12", "libcudart.so"], candidates.Take(3));
        Assert.Equal(Path.GetFullPath(Path.Combine(cu13, "libcudart.so.13")), candidates[3]);
    }
}
