using TorchSharp;

namespace ImageClassification.Benchmark;

/// <summary>One workload variant for <see cref="InterleavedTimer"/>.</summary>
/// <param name="Name">Label (for messages).</param>
/// <param name="Prepare">Switches the workload to this variant (e.g. swaps a model's attention); not timed.</param>
/// <param name="Run">One timed run.</param>
public sealed record TimedVariant(string Name, Action Prepare, Action Run);

/// <summary>What <see cref="InterleavedTimer"/> measured for one variant.</summary>
/// <param name="MedianMs">Median of all its timed runs, in ms (NaN when it failed before any round finished).</param>
/// <param name="RoundMedianMs">Median of its timed runs in each round it completed, in round order.</param>
/// <param name="Error">The exception that stopped it, or null.</param>
public sealed record VariantTiming(double MedianMs, IReadOnlyList<double> RoundMedianMs, Exception? Error);

/// <summary>
/// Times variants of one workload in rounds: every round prepares and times each variant in turn, in an order rotated
/// by one each round. A drift of the GPU's clocks or temperature over the run then falls on every variant alike,
/// instead of on those timed last, and the per-round medians give paired ratios (variant vs baseline in the same round)
/// whose spread shows how far a ratio can be trusted.
/// </summary>
public static class InterleavedTimer
{
    /// <summary>Runs <paramref name="rounds"/> rounds of <paramref name="warmup"/> untimed and
    /// ceil(<paramref name="repetitions"/> / <paramref name="rounds"/>) timed runs of each variant (synchronised wall time,
    /// <see cref="DeviceTimer"/>). A variant whose Prepare or Run throws an exception <paramref name="recoverable"/>
    /// accepts is dropped from later rounds with the exception recorded; other exceptions propagate.</summary>
    public static IReadOnlyList<VariantTiming> Run(IReadOnlyList<TimedVariant> variants, torch.Device device, int warmup,
        int repetitions, int rounds, Func<Exception, bool> recoverable)
    {
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(recoverable);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rounds, 1);
        rounds = RoundsRun(repetitions, rounds);
        int perRound = TimedRunsPerRound(repetitions, rounds);
        var times = variants.Select(_ => new List<double>()).ToArray();
        var roundMedians = variants.Select(_ => new List<double>()).ToArray();
        var errors = new Exception?[variants.Count];
        for (int round = 0; round < rounds; round++)
            for (int position = 0; position < variants.Count; position++)
            {
                int i = (position + round) % variants.Count;
                if (errors[i] is not null) continue;
                try
                {
                    variants[i].Prepare();
                    double[] t = DeviceTimer.Times(variants[i].Run, device, warmup, perRound);
                    times[i].AddRange(t);
                    roundMedians[i].Add(DeviceTimer.Median(t));
                }
                catch (Exception e) when (recoverable(e))
                {
                    errors[i] = e;
                }
            }
        return variants.Select((_, i) => new VariantTiming(
            times[i].Count > 0 ? DeviceTimer.Median(times[i]) : double.NaN, roundMedians[i], errors[i])).ToList();
    }

    /// <summary>The rounds <see cref="Run"/> makes: <paramref name="rounds"/>, capped at <paramref name="repetitions"/> so
    /// that every round times each variant at least once.</summary>
    public static int RoundsRun(int repetitions, int rounds) => Math.Min(rounds, repetitions);

    /// <summary>Timed runs of each variant per round: ceil(<paramref name="repetitions"/> / <see cref="RoundsRun"/>); times
    /// the rounds run it is the total, at least <paramref name="repetitions"/>.</summary>
    public static int TimedRunsPerRound(int repetitions, int rounds)
    {
        int run = RoundsRun(repetitions, rounds);
        return (repetitions + run - 1) / run;
    }
}
