using System.Globalization;

namespace DistrAttention.Bench.Accuracy;

/// <summary>
/// The Exact model each swap-in and fine-tune run started from. A later device call that needs a model that did not
/// come back trains it again (RUNS/rerun), and training on another GPU is not bit-identical, so a run is compared with
/// its own base rather than with the table's Exact run of the same seed.
/// </summary>
public sealed class Bases(IReadOnlyList<RunRecord> runs)
{
    private readonly Dictionary<string, RunRecord> byFolder = runs.ToDictionary(r => r.Folder);

    /// <summary>The run's base: the folder it names, else the table's Exact run of its seed; null when neither exists.</summary>
    public RunRecord? Of(RunRecord run) =>
        run.BaseModel is { } folder && byFolder.TryGetValue(folder, out var named) ? named
        : byFolder.GetValueOrDefault($"table/exact-s{run.Seed}");

    /// <summary>The base's test accuracy in percent, marked ʳ when it is a rerun, "?" when unknown.</summary>
    public string Describe(RunRecord run) => Of(run) is { } b
        ? (100 * b.TestAccuracy).ToString("F2", CultureInfo.InvariantCulture) + (b.Phase == "rerun" ? "ʳ" : "")
        : "?";

    /// <summary>Points by which the row's runs fall below their bases, on average; null when no run has a base.</summary>
    public double? Gap(RowSummary row)
    {
        var gaps = row.Runs.Select(r => Of(r) is { } b ? b.TestAccuracy - r.TestAccuracy : (double?)null).OfType<double>().ToList();
        return gaps.Count > 0 ? 100 * gaps.Average() : null;
    }

    /// <summary>
    /// Points by which the row's gain over its bases falls below the control's gain over its bases, averaged over the
    /// seeds both have (equal to the plain difference when both started from the same model); null without shared seeds.
    /// </summary>
    public double? GainGap(RowSummary? control, RowSummary row)
    {
        if (control is null) return null;
        var gaps = new List<double>();
        foreach (var r in row.Runs)
            if (control.Runs.FirstOrDefault(c => c.Seed == r.Seed) is { } c && Of(r) is { } rb && Of(c) is { } cb)
                gaps.Add((c.TestAccuracy - cb.TestAccuracy) - (r.TestAccuracy - rb.TestAccuracy));
        return gaps.Count > 0 ? 100 * gaps.Average() : null;
    }
}
