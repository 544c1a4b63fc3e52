using System.CommandLine;
using DistrAttention.Runtime;
using ImageClassification.Cli;
using Spectre.Console;
using TorchSharp;

namespace ImageClassification.Benchmark;

/// <summary>
/// <c>benchmark</c>: ViT images/s and attention time per layer, Exact vs DistrAttention reference vs native;
/// <c>benchmark --train</c>: the training step against PyTorch eager (see <see cref="TrainBenchmark"/>).
/// </summary>
public static class BenchmarkCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var device = new Option<ComputeDevice>("--device") { Description = "auto, cpu or cuda.", DefaultValueFactory = _ => ComputeDevice.Auto };
        var dtype = new Option<string>("--dtype") { Description = "Inference: float16, bfloat16 or float32 (default: float16 on CUDA, float32 on the CPU)." };
        var models = new Option<string?>("--models")
        {
            Description = "Comma-separated: tiny, small, base (or w<width>d<depth>h<heads>). Inference default: tiny,small,base. " +
                          "--train: with neither --models nor --image-sizes, tiny, small and base at 224 px and base at 384 px; else their cross product (sizes default 224).",
        };
        var sizes = new Option<string?>("--image-sizes") { Description = "Comma-separated image sizes (224 → N = 197, 384 → N = 577). Inference default: 224,384." };
        var groups = new Option<string>("--groups") { Description = "Comma-separated DistrAttention group sizes G.", DefaultValueFactory = _ => "2,4" };
        var block = new Option<string>("--block-size")
        {
            Description = "DistrAttention query block l; inference takes a comma-separated list (e.g. 64,128: every G with every l, side by side).",
            DefaultValueFactory = _ => "64",
        };
        var batch = new Option<int>("--batch") { Description = "Images per forward / training step.", DefaultValueFactory = _ => 64 };
        var warmup = new Option<int?>("--warmup") { Description = "Warm-up runs per measurement (default 3; --train: 5 steps)." };
        var reps = new Option<int?>("--repetitions") { Description = "Timed runs per measurement, the median is reported (default 20; --train: 3 runs of --steps steps)." };
        var output = new Option<DirectoryInfo>("--output", "-o") { Description = "Folder for vit-bench.md/.json/.png (--train: train-bench.md/.json, train-bench-infer.png).", DefaultValueFactory = _ => new DirectoryInfo("bench-results") };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Inference: rounds that interleave the attentions of one model and size (the timed runs are split over them).",
            DefaultValueFactory = _ => 5,
        };
        var noReference = new Option<bool>("--skip-reference") { Description = "Do not time the (slow) DistrAttention reference." };

        var train = new Option<bool>("--train") { Description = "Time the training step (forward, loss, backward, AdamW) instead of inference; one child process per configuration." };
        var precision = new Option<string?>("--precision") { Description = "--train: float32, bfloat16 or float16 (default bfloat16)." };
        var classes = new Option<int>("--classes") { Description = "Classes of the head.", DefaultValueFactory = _ => 1000 };
        var channels = new Option<int>("--channels") { Description = "Image channels.", DefaultValueFactory = _ => 3 };
        var patch = new Option<int>("--patch-size") { Description = "Patch side in pixels.", DefaultValueFactory = _ => 16 };
        var steps = new Option<int>("--steps") { Description = "--train: back-to-back steps per timed repetition.", DefaultValueFactory = _ => 20 };
        var learningRate = new Option<double>("--learning-rate", "--lr") { Description = "--train: AdamW learning rate.", DefaultValueFactory = _ => 1e-4 };
        var pytorchScript = new Option<FileInfo?>("--pytorch-script") { Description = "--train: bench/pytorch/vit_train_bench.py, run with --python for the PyTorch columns." };
        var python = new Option<string>("--python") { Description = "--train: the Python interpreter (with torch) for --pytorch-script.", DefaultValueFactory = _ => "python3" };
        var inProcess = new Option<bool?>("--in-process")
        {
            Description = "--train: measure in this process, not one child process per configuration (no comparable device memory). " +
                          "Default: yes on the CPU, no on CUDA; --in-process false forces child processes on the CPU too.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var skipInference = new Option<bool>("--skip-inference") { Description = "--train: skip the inference comparison." };
        var inferenceReps = new Option<int>("--inference-repetitions") { Description = "--train: timed forwards per inference configuration.", DefaultValueFactory = _ => 20 };
        var childTimeout = new Option<int>("--child-timeout") { Description = "--train: seconds one configuration's child process may take.", DefaultValueFactory = _ => 600 };
        var single = new Option<string?>("--single") { Description = "Internal: measure one training case (JSON) and print it.", Hidden = true };

        var command = new Command("benchmark", "Measure ViT inference speed (Exact, DistrAttention reference and native attention), or with --train the training step against PyTorch.")
        {
            device, dtype, models, sizes, groups, block, batch, warmup, reps, rounds, output, noReference,
            train, precision, classes, channels, patch, steps, learningRate, pytorchScript, python, inProcess, skipInference,
            inferenceReps, childTimeout, single,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            if (parse.GetValue(single) is { } json)
            {
                TrainBenchmark.RunSingle(json, Console.Out);
                return;
            }
            if (parse.GetValue(train))
            {
                var settings = ParseTrainSettings(parse.GetValue(device), parse.GetValue(precision), parse.GetValue(models), parse.GetValue(sizes),
                    parse.GetValue(groups)!, SingleBlockSize(parse.GetValue(block)!), parse.GetValue(batch), parse.GetValue(classes), parse.GetValue(channels),
                    parse.GetValue(patch), parse.GetValue(warmup), parse.GetValue(steps), parse.GetValue(reps), parse.GetValue(learningRate),
                    parse.GetValue(output)!.FullName, parse.GetValue(pytorchScript)?.FullName, parse.GetValue(python)!,
                    parse.GetValue(inProcess), parse.GetValue(skipInference), parse.GetValue(inferenceReps), parse.GetValue(childTimeout));
                RunTrain(settings);
                return;
            }
            if (parse.GetValue(precision) is not null)
                throw new ArgumentException("--precision applies to --train; inference takes --dtype.");
            var torchDevice = TorchRuntime.Resolve(parse.GetValue(device));
            var scalar = ParseDType(parse.GetValue(dtype), torchDevice);
            var inference = new BenchmarkSettings(torchDevice, scalar,
                Split(parse.GetValue(models) ?? "tiny,small,base"), TrainBenchmarkSettings.ParseInts(parse.GetValue(sizes) ?? "224,384", "--image-sizes"),
                TrainBenchmarkSettings.ParseInts(parse.GetValue(groups)!, "--groups"), BlockSizes(parse.GetValue(block)!), parse.GetValue(batch),
                parse.GetValue(warmup) ?? 3, parse.GetValue(reps) ?? 20, parse.GetValue(output)!.FullName, parse.GetValue(noReference),
                Classes: parse.GetValue(classes), Channels: parse.GetValue(channels), PatchSize: parse.GetValue(patch),
                Rounds: parse.GetValue(rounds) >= 1 ? parse.GetValue(rounds) : throw new ArgumentException($"--rounds expects a positive integer, got {parse.GetValue(rounds)}."));
            Directory.CreateDirectory(inference.OutputDirectory);
            string deviceText = torchDevice.type == DeviceType.CUDA ? "CUDA" : "CPU";
            var rows = VitBenchmark.Run(inference, r => AnsiConsole.MarkupLine(Markup.Escape(
                $"{r.Model} {r.ImageSize}px N={r.Tokens} {r.Attention} G={r.GroupSize}{(r.BlockSize > 0 ? $" l={r.BlockSize}" : "")}: {r.ImagesPerSecond:F1} images/s, attention {r.AttentionMs:F3} ms/layer {r.Note}")));
            string markdown = BenchmarkReport.Markdown(rows, inference, deviceText);
            File.WriteAllText(Path.Combine(inference.OutputDirectory, "vit-bench.md"), markdown);
            File.WriteAllText(Path.Combine(inference.OutputDirectory, "vit-bench.json"), BenchmarkReport.Json(rows, inference, deviceText));
            BenchmarkReport.Png(Path.Combine(inference.OutputDirectory, "vit-bench.png"), rows, $"ViT inference, batch {inference.Batch}, {scalar}, {deviceText}");
            Console.WriteLine(markdown);
        }));
        return command;
    }

    /// <summary>
    /// The settings of <c>benchmark --train</c> from its option values (checked: a bad value gives an
    /// <see cref="ArgumentException"/> whose message names the flag). <see cref="ComputeDevice.Auto"/> becomes cuda when
    /// CUDA is available; an explicit cuda is not probed here, so this process stays off the GPU.
    /// </summary>
    public static TrainBenchmarkSettings ParseTrainSettings(ComputeDevice device, string? precision, string? models, string? sizes,
        string groups, int blockSize, int batch, int classes, int channels, int patchSize, int? warmup, int steps, int? repetitions,
        double learningRate, string output, string? pytorchScript, string python, bool? inProcess, bool skipInference,
        int inferenceRepetitions, int childTimeoutSeconds)
    {
        var parsedPrecision = TrainBenchmarkSettings.ParsePrecision(precision);
        string deviceName = device switch
        {
            ComputeDevice.Cpu => "cpu",
            ComputeDevice.Cuda => "cuda",
            _ => TorchRuntime.CudaAvailable ? "cuda" : "cpu",
        };
        if (pytorchScript is not null && !File.Exists(pytorchScript))
            throw new ArgumentException($"--pytorch-script: '{pytorchScript}' does not exist.");
        var settings = new TrainBenchmarkSettings
        {
            Device = deviceName,
            Precision = parsedPrecision,
            Configs = TrainBenchmarkSettings.ParseConfigs(models, sizes),
            GroupSizes = TrainBenchmarkSettings.ParseInts(groups, "--groups"),
            BlockSize = blockSize,
            Batch = batch,
            Classes = classes,
            Channels = channels,
            PatchSize = patchSize,
            Warmup = warmup ?? 5,
            Steps = steps,
            Repetitions = repetitions ?? 3,
            LearningRate = learningRate,
            OutputDirectory = output,
            PyTorchScript = pytorchScript,
            Python = python,
            InProcess = inProcess ?? deviceName == "cpu",
            SkipInference = skipInference,
            InferenceRepetitions = inferenceRepetitions,
            ChildTimeoutSeconds = childTimeoutSeconds,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Runs the training benchmark, writes its files and prints the markdown.</summary>
    public static TrainBenchmarkResult RunTrain(TrainBenchmarkSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Directory.CreateDirectory(settings.OutputDirectory);
        var result = TrainBenchmark.Run(settings, line => Console.WriteLine(line));
        var info = RunInfo.Current(TrainBenchReport.DeviceOf(result, settings.Device == "cuda" ? "CUDA" : "CPU"));
        string markdown = TrainBenchReport.WriteAll(result, settings, info);
        Console.WriteLine(markdown);
        return result;
    }

    /// <summary>The block sizes of <c>--block-size</c> (at least one).</summary>
    public static List<int> BlockSizes(string text)
    {
        var sizes = TrainBenchmarkSettings.ParseInts(text, "--block-size");
        return sizes.Count > 0 ? sizes : throw new ArgumentException("--block-size expects at least one value, got none.");
    }

    /// <summary>The one block size <c>--train</c> takes.</summary>
    public static int SingleBlockSize(string text)
    {
        var sizes = BlockSizes(text);
        return sizes.Count == 1 ? sizes[0] : throw new ArgumentException($"--block-size: --train takes one value, got '{text}'.");
    }

    private static List<string> Split(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    private static torch.ScalarType ParseDType(string? text, torch.Device device) => (text ?? "").ToLowerInvariant() switch
    {
        "" => device.type == DeviceType.CUDA ? torch.ScalarType.Float16 : torch.ScalarType.Float32,
        "float16" or "fp16" or "half" => torch.ScalarType.Float16,
        "bfloat16" or "bf16" => torch.ScalarType.BFloat16,
        "float32" or "fp32" => torch.ScalarType.Float32,
        _ => throw new ArgumentException($"--dtype must be float16, bfloat16 or float32, got '{text}'."),
    };
}
