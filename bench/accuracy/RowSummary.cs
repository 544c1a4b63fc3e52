namespace DistrAttention.Bench.Accuracy;

/// <summary>The runs of one row (one configuration, several seeds): mean and sample standard deviation.</summary>
public sealed record RowSummary(string Phase, string Row, IReadOnlyList<RunRecord> Runs)
{
    /// <summary>Seeds, ascending.</summary>
    public IReadOnlyList<int> Seeds => Runs.Select(r => r.Seed).ToList();

    /// <summary>Mean test accuracy.</summary>
    public double MeanTest => Runs.Average(r => r.TestAccuracy);

    /// <summary>Sample standard deviation of the test accuracy (0 for one run).</summary>
    public double StdTest => Std(Runs.Select(r => r.TestAccuracy).ToList());

    /// <summary>Mean final validation accuracy, when every run has one.</summary>
    public double? MeanValidation => Runs.All(r => r.ValidationAccuracy is not null) ? Runs.Average(r => r.ValidationAccuracy!.Value) : null;

    /// <summary>Sample standard deviation of the final validation accuracy.</summary>
    public double StdValidation => Std(Runs.Where(r => r.ValidationAccuracy is not null).Select(r => r.ValidationAccuracy!.Value).ToList());

    /// <summary>Mean training seconds per epoch (runs shared the GPU with others).</summary>
    public double SecondsPerEpoch => Runs.Where(r => r.Epochs > 0).Select(r => r.TrainingSeconds / r.Epochs).DefaultIfEmpty(0).Average();

    /// <summary>Groups runs by phase and row, seeds ascending.</summary>
    public static IReadOnlyList<RowSummary> Group(IEnumerable<RunRecord> runs) =>
        runs.GroupBy(r => (r.Phase, r.Row))
            .Select(g => new RowSummary(g.Key.Phase, g.Key.Row, g.OrderBy(r => r.Seed).ToList()))
            .ToList();

    private static double Std(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
