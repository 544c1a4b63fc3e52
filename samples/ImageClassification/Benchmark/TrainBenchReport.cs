using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace ImageClassification.Benchmark;

/// <summary>Where and how a benchmark ran: stated at the top of every table.</summary>
/// <param name="Command">The command line.</param>
/// <param name="Via">The command that started it (environment variable BENCH_COMMAND, e.g. the GPU script), or empty.</param>
/// <param name="Commit">Git commit (environment variable COMMIT, else <c>git rev-parse --short HEAD</c>, else "unknown").</param>
/// <param name="Date">UTC date and time.</param>
/// <param name="Device">GPU name (or CPU).</param>
public sealed record RunInfo(string Command, string Via, string Commit, string Date, string Device)
{
    /// <summary>Environment variable with the commit (set by scripts/gpu-suite.sh; the device may have no .git).</summary>
    public const string CommitVariable = "COMMIT";

    /// <summary>Environment variable with the command that started the run (e.g. the GPU script with its variables).</summary>
    public const string CommandVariable = "BENCH_COMMAND";

    /// <summary>This process's command line, commit and date; <paramref name="device"/> as measured.</summary>
    public static RunInfo Current(string device)
    {
        var args = Environment.GetCommandLineArgs();
        string program = Path.GetFileName(Environment.ProcessPath ?? (args.Length > 0 ? args[0] : "vit-sample"));
        string command = string.Join(' ', args.Skip(1).Select(Quote).Prepend(program));
        string via = Environment.GetEnvironmentVariable(CommandVariable)?.Trim() ?? "";
        return new RunInfo(command, via, CurrentCommit(), DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture), device);
    }

    private static string Quote(string arg) => arg.Length == 0 || arg.Any(char.IsWhiteSpace) ? $"'{arg}'" : arg;

    private static string CurrentCommit()
    {
        if (Environment.GetEnvironmentVariable(CommitVariable) is { Length: > 0 } commit) return commit.Trim();
        try
        {
            var r = ChildProcess.Run("git", ["rev-parse", "--short", "HEAD"], TimeSpan.FromSeconds(10));
            string text = r.StandardOutput.Trim();
            if (r.ExitCode == 0 && text.Length > 0) return text;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // no git
        }
        return "unknown";
    }
}

/// <summary>A C# training measurement beside PyTorch's and the C# Exact row of the same model and size.</summary>
/// <param name="CSharp">The C# measurement.</param>
/// <param name="PyTorch">PyTorch's (exact attention) of the same model and image size, or null.</param>
/// <param name="TimeVsPyTorch">C# ms/step ÷ PyTorch ms/step (above 1: C# is slower).</param>
/// <param name="MemoryVsPyTorch">C# device memory ÷ PyTorch's.</param>
/// <param name="TimeVsExact">ms/step ÷ C# Exact's ms/step (1 for Exact).</param>
/// <param name="MemoryVsExact">Device memory ÷ C# Exact's.</param>
public sealed record TrainComparisonRow(
    [property: System.Text.Json.Serialization.JsonPropertyName("csharp")] TrainMeasurement CSharp,
    [property: System.Text.Json.Serialization.JsonPropertyName("pytorch")] PyTorchMeasurement? PyTorch,
    [property: System.Text.Json.Serialization.JsonPropertyName("timeVsPytorch")] double TimeVsPyTorch,
    [property: System.Text.Json.Serialization.JsonPropertyName("memoryVsPytorch")] double MemoryVsPyTorch,
    double TimeVsExact, double MemoryVsExact);

/// <summary>A C# forward beside PyTorch's float16 eager forward of the same model and size.</summary>
/// <param name="Model">Model name.</param>
/// <param name="ImageSize">Image side.</param>
/// <param name="Tokens">N.</param>
/// <param name="Attention">Exact, Native or Reference (C#).</param>
/// <param name="GroupSize">G.</param>
/// <param name="CSharpImagesPerSecond">C# images/s.</param>
/// <param name="PyTorchImagesPerSecond">PyTorch images/s (exact attention).</param>
/// <param name="CSharpVsPyTorch">C# images/s ÷ PyTorch images/s (above 1: C# is faster).</param>
/// <param name="Note">C#'s note.</param>
public sealed record InferenceComparisonRow(string Model, int ImageSize, int Tokens, string Attention, int GroupSize,
    [property: System.Text.Json.Serialization.JsonPropertyName("csharpImagesPerSecond")] double CSharpImagesPerSecond,
    [property: System.Text.Json.Serialization.JsonPropertyName("pytorchImagesPerSecond")] double PyTorchImagesPerSecond,
    [property: System.Text.Json.Serialization.JsonPropertyName("csharpVsPytorch")] double CSharpVsPyTorch, string Note);

/// <summary>The training benchmark's markdown, JSON and inference PNG.</summary>
public static class TrainBenchReport
{
    /// <summary>What the memory columns are.</summary>
    public const string MemoryNote =
        "device memory = total − free of cudaMemGetInfo (C#) / torch.cuda.mem_get_info() (PyTorch), read after the timed steps " +
        "in a fresh process per configuration: the process's CUDA context and loaded kernels plus everything its caching " +
        "allocator holds (about its peak reserved memory), not only live tensors; PyTorch's max_memory_allocated is in the JSON.";

    /// <summary>Pairs each C# measurement with PyTorch's and with the C# Exact row of its model and size.</summary>
    public static List<TrainComparisonRow> Compare(IReadOnlyList<TrainMeasurement> csharp, IReadOnlyList<PyTorchMeasurement> pytorch)
    {
        ArgumentNullException.ThrowIfNull(csharp);
        ArgumentNullException.ThrowIfNull(pytorch);
        return csharp.Select(c =>
        {
            var exact = csharp.FirstOrDefault(x => x.Model == c.Model && x.ImageSize == c.ImageSize && x.GroupSize == 1);
            var py = pytorch.FirstOrDefault(p => p.Model == c.Model && p.ImageSize == c.ImageSize && p.Mode == "train");
            return new TrainComparisonRow(c, py,
                Ratio(c.MsPerStep, py?.MsPerStep), Ratio(c.MemoryUsedMiB, py?.MemoryUsedMiB),
                Ratio(c.MsPerStep, exact?.MsPerStep), Ratio(c.MemoryUsedMiB, exact?.MemoryUsedMiB));
        }).ToList();
    }

    /// <summary>Pairs each C# forward with PyTorch's of the same model and size.</summary>
    public static List<InferenceComparisonRow> CompareInference(IReadOnlyList<BenchmarkRow> csharp, IReadOnlyList<PyTorchMeasurement> pytorch)
    {
        ArgumentNullException.ThrowIfNull(csharp);
        ArgumentNullException.ThrowIfNull(pytorch);
        return csharp.Select(r =>
        {
            var py = pytorch.FirstOrDefault(p => p.Model == r.Model && p.ImageSize == r.ImageSize && p.Mode == "infer");
            double pyRate = py?.ImagesPerSecond ?? double.NaN;
            return new InferenceComparisonRow(r.Model, r.ImageSize, r.Tokens, r.Attention, r.GroupSize, r.ImagesPerSecond, pyRate,
                Ratio(r.ImagesPerSecond, pyRate), r.Note);
        }).ToList();
    }

    /// <summary>The device to name in the tables: a C# child's, else PyTorch's, else CUDA/CPU.</summary>
    public static string DeviceOf(TrainBenchmarkResult result, string fallback)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Training.Select(m => m.Device).FirstOrDefault(d => !string.IsNullOrEmpty(d) && d != "CUDA")
               ?? result.PyTorchTraining.Concat(result.PyTorchInference).Select(p => p.Device).FirstOrDefault(d => !string.IsNullOrEmpty(d))
               ?? fallback;
    }

    /// <summary>The markdown: training table, then the inference table.</summary>
    public static string Markdown(TrainBenchmarkResult result, TrainBenchmarkSettings s, RunInfo info)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(info);
        var rows = Compare(result.Training, result.PyTorchTraining);
        var py = result.PyTorchTraining.Concat(result.PyTorchInference).FirstOrDefault();
        string precision = TrainBenchmarkSettings.PrecisionName(s.Precision);
        var text = new StringBuilder();
        text.AppendLine("# ViT training step: C# (TorchSharp) vs PyTorch eager");
        text.AppendLine();
        text.AppendLine($"- Date: {info.Date}; commit {info.Commit}; device: {info.Device}");
        text.AppendLine($"- Command: `{info.Command}`" + (info.Via.Length > 0 ? $" (run by `{info.Via}`)" : ""));
        text.AppendLine(py is null
            ? "- PyTorch: not run" + (result.PyTorchError.Length > 0 ? $" ({result.PyTorchError.Replace('|', '/')})" : " (no --pytorch-script)")
            : $"- PyTorch: torch {py.Torch}, model {py.Implementation} (VisionTransformer, class token, qkv bias, no dropout), attention = scaled_dot_product_attention" +
              (result.PyTorchError.Length > 0 ? $"; errors: {result.PyTorchError.Replace('|', '/')}" : ""));
        text.AppendLine(Invariant(
            $"- Step: batch {s.Batch}, {s.Channels}×S×S random-normal images, {s.Classes} classes, patch {s.PatchSize}, {precision} ") + Invariant(
            $"(C#: `VisionTransformer.Precision` with float32 master weights, `TrainingStep`; PyTorch: torch.autocast{(s.Precision == DistrAttention.Vit.Model.ComputePrecision.Float32 ? " off, TF32 on" : "")}), ") + Invariant(
            $"AdamW lr {s.LearningRate:G3}, weight decay 0.05 on matrices, label smoothing 0.1, gradient clipping to norm 1.0."));
        text.AppendLine(Invariant(
            $"- Timing: ≥ {s.Warmup} warm-up steps (≥ {TrainBenchmark.MinimumWarmup.TotalSeconds:G2} s on CUDA), then the median of {s.Repetitions} repetitions ") + Invariant(
            $"of {s.Steps} back-to-back steps between two device synchronisations; images/s = batch ÷ ms/step."));
        text.AppendLine($"- DistrAttention: Mean, l = {s.BlockSize}; impl = the path the step ran (sdpa = exact attention). PyTorch runs exact attention in every row: " +
                        "the C#/PyTorch ratios of DistrAttention rows compare with PyTorch's exact model.");
        text.AppendLine($"- Memory: {MemoryNote}" + (s.InProcess && s.Device == "cuda"
            ? " THIS RUN MEASURED IN ONE PROCESS (--in-process): the C# figures accumulate over the configurations." : ""));
        text.AppendLine();
        text.AppendLine("## Training step");
        text.AppendLine();
        text.AppendLine("| model | px | N | attention | G | impl | C# ms/step | C# images/s | PyTorch ms/step | PyTorch images/s | C#/PyTorch time | C# memory GiB | PyTorch memory GiB | C#/PyTorch memory | time vs C# Exact | memory vs C# Exact | loss | note |");
        text.AppendLine("|---|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var c = r.CSharp;
            text.AppendLine(Invariant(
                $"| {c.Model} | {c.ImageSize} | {c.Tokens} | {c.Attention} | {c.GroupSize} | {c.Implementation} | {F(c.MsPerStep, "F2")} | {F(c.ImagesPerSecond, "F0")} | ") + Invariant(
                $"{F(r.PyTorch?.MsPerStep, "F2")} | {F(r.PyTorch?.ImagesPerSecond, "F0")} | {X(r.TimeVsPyTorch)} | {F(c.MemoryUsedMiB / 1024, "F2")} | ") + Invariant(
                $"{F(r.PyTorch?.MemoryUsedMiB / 1024, "F2")} | {X(r.MemoryVsPyTorch)} | {X(r.TimeVsExact)} | {X(r.MemoryVsExact)} | {F(c.Loss, "F3")} | {Cell(c.Note)} |"));
        }
        if (result.Inference.Count > 0)
        {
            var inference = CompareInference(result.Inference, result.PyTorchInference);
            string dtype = result.InferenceDType;
            text.AppendLine();
            text.AppendLine("## Inference (forward only)");
            text.AppendLine();
            text.AppendLine(Invariant(
                $"Whole model in {dtype}, batch {s.Batch}, eval, no gradients: C# = the sample's `benchmark` measurement (VitBenchmark; Exact = ") + Invariant(
                $"scaled_dot_product_attention, Native = the DistrAttention kernel), PyTorch = the same ViT, `model.half().eval()` (float32 on the CPU) under torch.inference_mode() ") + Invariant(
                $"(exact attention); median of {s.InferenceRepetitions} synchronised forwards after {Math.Min(3, s.Warmup)} warm-up forwards. ") +
                "C#/PyTorch above 1: C# is faster.");
            text.AppendLine();
            text.AppendLine("| model | px | N | C# attention | G | C# images/s | PyTorch images/s | C#/PyTorch | note |");
            text.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---|");
            foreach (var r in inference)
                text.AppendLine(Invariant(
                    $"| {r.Model} | {r.ImageSize} | {r.Tokens} | {r.Attention} | {r.GroupSize} | {F(r.CSharpImagesPerSecond, "F0")} | {F(r.PyTorchImagesPerSecond, "F0")} | {X(r.CSharpVsPyTorch)} | {Cell(r.Note)} |"));
        }
        return text.ToString();
    }

    /// <summary>The JSON document: run info, settings, compared training rows, inference rows.</summary>
    public static string Json(TrainBenchmarkResult result, TrainBenchmarkSettings s, RunInfo info)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(info);
        var document = new
        {
            info.Command, info.Via, info.Commit, info.Date, info.Device,
            Settings = new
            {
                Precision = TrainBenchmarkSettings.PrecisionName(s.Precision), s.Batch, s.Classes, s.Channels, s.PatchSize, s.BlockSize,
                s.GroupSizes, s.Warmup, s.Steps, s.Repetitions, s.LearningRate, s.InferenceRepetitions,
                Configs = s.Configs.Select(c => c.ToString()).ToList(), s.InProcess,
            },
            MemoryNote,
            Training = Compare(result.Training, result.PyTorchTraining),
            Inference = CompareInference(result.Inference, result.PyTorchInference),
            PytorchInference = result.PyTorchInference,
            PytorchError = result.PyTorchError,
        };
        return JsonSerializer.Serialize(document, BenchJson.Indented);
    }

    /// <summary>Grouped bars of inference images/s per model and size: PyTorch, then each C# attention.</summary>
    public static void InferencePng(string path, IReadOnlyList<InferenceComparisonRow> rows, string title)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var groups = rows.Select(r => (r.Model, r.ImageSize)).Distinct().ToList();
        var series = new List<(string Label, Func<(string Model, int Size), double> Value)>
        {
            ("PyTorch fp16 eager", g => rows.FirstOrDefault(r => (r.Model, r.ImageSize) == g)?.PyTorchImagesPerSecond ?? double.NaN),
        };
        foreach (var (attention, groupSize) in rows.Select(r => (r.Attention, r.GroupSize)).Distinct())
            series.Add(($"C# {attention}{(groupSize > 1 ? $" G={groupSize}" : "")}",
                g => rows.FirstOrDefault(r => (r.Model, r.ImageSize) == g && r.Attention == attention && r.GroupSize == groupSize)?.CSharpImagesPerSecond ?? double.NaN));
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int width = series.Count + 1;
        for (int k = 0; k < series.Count; k++)
        {
            var bars = new List<Bar>();
            for (int i = 0; i < groups.Count; i++)
            {
                double value = series[k].Value(groups[i]);
                if (double.IsFinite(value)) bars.Add(new Bar { Position = i * width + k, Value = value, FillColor = palette.GetColor(k) });
            }
            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[k].Label;
        }
        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, groups.Count).Select(i => i * width + (series.Count - 1) / 2.0).ToArray(),
            groups.Select(g => $"{g.Model} {g.ImageSize}px").ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Axes.SetLimitsX(-1, Math.Max(1, groups.Count) * width - 1);
        plot.YLabel("images / s");
        plot.Title(title);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Math.Max(900, 60 * width * Math.Max(1, groups.Count)), 600);
    }

    /// <summary>Writes train-bench.md, train-bench.json and (with inference rows) train-bench-infer.png.</summary>
    /// <returns>The markdown.</returns>
    public static string WriteAll(TrainBenchmarkResult result, TrainBenchmarkSettings s, RunInfo info)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(s);
        Directory.CreateDirectory(s.OutputDirectory);
        string markdown = Markdown(result, s, info);
        File.WriteAllText(Path.Combine(s.OutputDirectory, "train-bench.md"), markdown);
        File.WriteAllText(Path.Combine(s.OutputDirectory, "train-bench.json"), Json(result, s, info));
        var inference = CompareInference(result.Inference, result.PyTorchInference);
        if (inference.Any(r => double.IsFinite(r.CSharpImagesPerSecond) || double.IsFinite(r.PyTorchImagesPerSecond)))
            InferencePng(Path.Combine(s.OutputDirectory, "train-bench-infer.png"), inference,
                $"ViT inference, batch {s.Batch}, {info.Device}: C# vs PyTorch eager");
        return markdown;
    }

    /// <summary>a ÷ b when both are finite and b is positive, else NaN.</summary>
    public static double Ratio(double a, double? b) =>
        b is { } d && double.IsFinite(a) && double.IsFinite(d) && d > 0 ? a / d : double.NaN;

    private static string F(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string X(double ratio) =>
        double.IsFinite(ratio) ? ratio.ToString("F2", CultureInfo.InvariantCulture) + "×" : "–";

    private static string Cell(string? note) => (note ?? "").Replace('|', '/').Replace('\n', ' ');

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
