using System.Globalization;
using System.Text.Json;

namespace ImageClassification.Benchmark;

/// <summary>Runs bench/pytorch/vit_train_bench.py (the same ViT in PyTorch eager) and reads its JSON lines.</summary>
public static class PyTorchBaseline
{
    /// <summary>Wall-clock limit of one script run (all configurations of one mode).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(20);

    /// <summary>The script's arguments for <paramref name="mode"/> (train or infer) with the settings of <paramref name="s"/>.</summary>
    public static List<string> Arguments(TrainBenchmarkSettings s, string mode)
    {
        ArgumentNullException.ThrowIfNull(s);
        bool train = mode == "train";
        return
        [
            s.PyTorchScript ?? "vit_train_bench.py", "--mode", mode,
            "--configs", string.Join(',', s.Configs.Select(c => c.ToString())),
            "--precision", train ? TrainBenchmarkSettings.PrecisionName(s.Precision) : "float16",
            "--batch", I(s.Batch), "--classes", I(s.Classes), "--channels", I(s.Channels), "--patch-size", I(s.PatchSize),
            "--warmup", I(train ? s.Warmup : Math.Min(3, s.Warmup)), "--steps", I(s.Steps),
            "--repetitions", I(train ? s.Repetitions : s.InferenceRepetitions),
            "--lr", s.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            "--device", s.Device,
        ];
    }

    /// <summary>Runs the script; returns its measurements and an error text (empty when it ran cleanly).</summary>
    public static (List<PyTorchMeasurement> Rows, string Error) Run(TrainBenchmarkSettings s, string mode, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(log);
        var arguments = Arguments(s, mode);
        log($"PyTorch: {s.Python} {string.Join(' ', arguments)}");
        ChildProcess.Result result;
        try
        {
            result = ChildProcess.Run(s.Python, arguments, Timeout,
                new Dictionary<string, string> { ["PYTHONUNBUFFERED"] = "1" },
                line => { if (!line.StartsWith('{')) log("  " + line); },
                line => log("  " + line));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return ([], $"cannot start {s.Python}: {e.Message}");
        }
        var rows = Parse(result.StandardOutput);
        foreach (var r in rows)
            log($"PyTorch {r.Mode} {r.Model} {r.ImageSize}px {r.Precision}: {r.MsPerStep:F2} ms, {r.ImagesPerSecond:F1} images/s, " +
                $"device memory {r.MemoryUsedMiB:F0} MiB, max allocated {r.MaxAllocatedMiB:F0} MiB, loss {r.Loss:F4} {r.Note}");
        string error = result.ExitCode != 0 || rows.Count == 0 ? $"exit code {result.ExitCode}, {rows.Count} results: {result.Tail()}" : "";
        return (rows, error);
    }

    /// <summary>The measurements among <paramref name="output"/>'s lines (lines that are JSON objects with a mode).</summary>
    public static List<PyTorchMeasurement> Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var rows = new List<PyTorchMeasurement>();
        foreach (string raw in output.Split('\n'))
        {
            string line = raw.Trim();
            if (!line.StartsWith('{')) continue;
            try
            {
                var r = JsonSerializer.Deserialize<PyTorchMeasurement>(line, BenchJson.Options);
                if (r?.Mode is null || r.Model is null) continue;
                rows.Add(r with
                {
                    Precision = r.Precision ?? "", Device = r.Device ?? "", Torch = r.Torch ?? "",
                    Implementation = r.Implementation ?? "", Note = r.Note ?? "",
                });
            }
            catch (JsonException)
            {
                // not one of ours
            }
        }
        return rows;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
