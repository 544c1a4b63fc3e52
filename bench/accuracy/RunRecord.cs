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
public sealed record RunRecord(string Phase, string Row, int Seed, double TestAccuracy, double? ValidationAccuracy,
    double TrainingSeconds, int Epochs, double? FinalTrainLoss, IReadOnlyList<double> TrainLossCurve)
{
    /// <summary>Reads every run under <paramref name="root"/> (RUNS/phase/row-sN/{metrics,evaluation}.json).</summary>
    public static IReadOnlyList<RunRecord> ReadAll(string root)
    {
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"runs folder '{root}' does not exist (expected scripts/gpu-accuracy.sh's RUNS, unpacked).");
        var runs = new List<RunRecord>();
        // Other folders (logs, rerun: Exact models trained again only to be swapped into) hold no rows of the record.
        string[] phases = ["recipe", "table", "swapin", "finetune"];
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
            return new RunRecord(phase, row, seed, root.GetProperty("test").GetProperty("accuracy").GetDouble(), validation,
                root.GetProperty("trainingSeconds").GetDouble(), epochs.Count, losses.Count > 0 ? losses[^1] : null, losses);
        }
        if (File.Exists(evaluation))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(evaluation));
            return new RunRecord(phase, row, seed, doc.RootElement.GetProperty("accuracy").GetDouble(), null, 0, 0, null, []);
        }
        return null;
    }
}
