using System.Text.Json;

namespace DistrAttention.Bench.Accuracy;

/// <summary>One run of scripts/gpu-accuracy.sh: a training (metrics.json) or an evaluation of a saved model (evaluation.json).</summary>
/// <param name="Phase">recipe, table, swapin or finetune (the folder above the run's).</param>
/// <param name="Row">The run's name without its seed, e.g. <c>mean-g2-l64</c>.</param>
/// <param name="Seed">The seed (the run folder's <c>-sN</c> suffix).</param>
/// <param name="TestAccuracy">Accuracy on the test set (10,000 images for the full Fashion-MNIST).</param>
/// <param name="ValidationAccuracy">Final epoch's validation accuracy (recipe runs hold 10 % out), else null.</param>
/// <param name="TrainingSeconds">Seconds of training (0 for an evaluation).</param>
/// <param name="Epochs">Epochs trained (0 for an evaluation).</param>
/// <param name="FinalTrainLoss">Last epoch's training loss, or null.</param>
/// <param name="TrainLossCurve">Training loss per epoch.</param>
/// <param name="BaseModel">For a swap-in or fine-tune run, the run folder of the Exact model it started from, relative to
/// RUNS (<c>table/exact-s1</c>, or <c>rerun/exact-s1</c> when that model was trained again in a later device call);
/// null when not recorded.</param>
public sealed record RunRecord(string Phase, string Row, int Seed, double TestAccuracy, double? ValidationAccuracy,
    double TrainingSeconds, int Epochs, double? FinalTrainLoss, IReadOnlyList<double> TrainLossCurve, string? BaseModel = null)
{
    /// <summary>The run's folder relative to RUNS, e.g. <c>table/exact-s1</c>: what <see cref="BaseModel"/> names.</summary>
    public string Folder => $"{Phase}/{Row}-s{Seed}";

    /// <summary>Reads every run under <paramref name="root"/> (RUNS/phase/row-sN/{metrics,evaluation}.json).</summary>
    public static IReadOnlyList<RunRecord> ReadAll(string root)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"runs folder '{root}' does not exist (expected scripts/gpu-accuracy.sh's RUNS, unpacked).");
        var runs = new List<RunRecord>();
        // rerun: Exact models trained again in a later call, only to be swapped into or fine-tuned (no row of their own:
        // they are the bases some swap-in and fine-tune runs name). logs holds no runs.
        string[] phases = ["recipe", "table", "swapin", "finetune", "rerun"];
        foreach (var phase in phases.Select(p => Path.Combine(root, p)).Where(Directory.Exists))
            foreach (var run in Directory.GetDirectories(phase))
                if (Read(Path.GetFileName(phase), run) is { } record)
                    runs.Add(record);
        return runs;
    }

    private static RunRecord? Read(string phase, string folder)
    {
        string name = Path.GetFileName(folder);
        int cut = name.LastIndexOf("-s", StringComparison.Ordinal);
        if (cut < 0 || !int.TryParse(name[(cut + 2)..], out int seed))
            return null;
        string row = name[..cut];
        string metrics = Path.Combine(folder, "metrics.json"), evaluation = Path.Combine(folder, "evaluation.json");
        if (File.Exists(metrics))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(metrics));
            var root = doc.RootElement;
            var epochs = root.GetProperty("epochs").EnumerateArray().ToList();
            var losses = epochs.Select(e => e.GetProperty("trainLoss").GetDouble()).ToList();
            double? validation = epochs.Count > 0 && epochs[^1].GetProperty("validationAccuracy") is { ValueKind: JsonValueKind.Number } v
                ? v.GetDouble() : null;
            string? fineTunedFrom = RunPath(root.GetProperty("settings"), "fineTuneFrom");
            return new RunRecord(phase, row, seed, root.GetProperty("test").GetProperty("accuracy").GetDouble(), validation,
                root.GetProperty("trainingSeconds").GetDouble(), epochs.Count, losses.Count > 0 ? losses[^1] : null, losses,
                fineTunedFrom);
        }
        if (File.Exists(evaluation))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(evaluation));
            var root = doc.RootElement;
            return new RunRecord(phase, row, seed, root.GetProperty("accuracy").GetDouble(), null, 0, 0, null, [],
                RunPath(root, "model") ?? BaseFile(folder));
        }
        return null;
    }

    // The run folder (RunsRelative) of a model path recorded as the string property `name`, or null where it is absent.
    private static string? RunPath(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? RunsRelative(value.GetString()!) : null;

    // Evaluations made before `evaluate` recorded its model ("model" in evaluation.json) name it in base.txt beside them,
    // written from the device calls' logs.
    private static string? BaseFile(string folder)
    {
        string file = Path.Combine(folder, "base.txt");
        return File.Exists(file) ? RunsRelative(File.ReadAllText(file).Trim()) : null;
    }

    // ".../RUNS/rerun/exact-s1" or ".../RUNS/rerun/exact-s1/model.zip" (absolute paths on the GPU host) -> "rerun/exact-s1".
    private static string RunsRelative(string path)
    {
        var parts = path.TrimEnd('/').Split('/');
        if (parts[^1].EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            parts = parts[..^1];
        return parts.Length >= 2 ? $"{parts[^2]}/{parts[^1]}" : path;
    }
}
