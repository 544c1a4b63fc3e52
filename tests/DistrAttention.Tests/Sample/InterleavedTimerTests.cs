using ImageClassification.Benchmark;

namespace DistrAttention.Tests.Sample;

/// <summary><see cref="InterleavedTimer"/>: rounds, rotated order, split repetitions, failures kept to their variant.</summary>
public sealed class InterleavedTimerTests
{
    public InterleavedTimerTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void EveryRoundRunsEveryVariantInAnOrderRotatedByOne()
    {
        var log = new List<string>();
        var variants = new[] { "a", "b", "c" }.Select(n => new TimedVariant(n, () => log.Add("prepare " + n), () => log.Add(n))).ToList();

        var timings = InterleavedTimer.Run(variants, torch.CPU, warmup: 1, repetitions: 5, rounds: 3, _ => false);

        // ceil(5 / 3) = 2 timed runs per round after 1 warm-up: 3 runs per variant per round
        string Round(params string[] order) => string.Concat(order.Select(n => $"prepare {n},{n},{n},{n},"));
        Assert.Equal(Round("a", "b", "c") + Round("b", "c", "a") + Round("c", "a", "b"), string.Concat(log.Select(x => x + ",")));
        Assert.All(timings, t => Assert.Equal(3, t.RoundMedianMs.Count));
        Assert.All(timings, t => Assert.Null(t.Error));
    }

    [Fact]
    public void TheMedianPoolsEveryTimedRunAndRoundsGiveTheirOwn()
    {
        int calls = 0;
        // round 1 runs take ~2 ms, round 2 runs ~12 ms: the per-round medians tell them apart
        var slow = new TimedVariant("slow", () => { }, () => Thread.Sleep(calls++ < 2 ? 2 : 12));

        var t = Assert.Single(InterleavedTimer.Run([slow], torch.CPU, warmup: 0, repetitions: 4, rounds: 2, _ => false));

        Assert.Equal(2, t.RoundMedianMs.Count);
        Assert.InRange(t.RoundMedianMs[0], 1.9, 11);
        Assert.InRange(t.RoundMedianMs[1], 11.9, 100);
        Assert.InRange(t.MedianMs, t.RoundMedianMs[0], t.RoundMedianMs[1]); // median of all 4: between the two
    }

    [Fact]
    public void AVariantThatFailsIsDroppedAndTheOthersGoOn()
    {
        int runs = 0, failing = 0;
        var ok = new TimedVariant("ok", () => { }, () => runs++);
        var bad = new TimedVariant("bad", () => { if (++failing == 2) throw new NotSupportedException("second round"); }, () => { });

        var timings = InterleavedTimer.Run([ok, bad], torch.CPU, warmup: 0, repetitions: 3, rounds: 3, e => e is NotSupportedException);

        Assert.Equal(3, runs);
        Assert.Null(timings[0].Error);
        Assert.IsType<NotSupportedException>(timings[1].Error);
        Assert.Single(timings[1].RoundMedianMs); // the first round counted, later ones never ran
        Assert.Equal(2, failing);
        Assert.True(double.IsFinite(timings[1].MedianMs));
    }

    [Fact]
    public void AnUnexpectedFailurePropagates()
    {
        var bad = new TimedVariant("bad", () => { }, () => throw new InvalidOperationException("bug"));
        Assert.Throws<InvalidOperationException>(() =>
            InterleavedTimer.Run([bad], torch.CPU, warmup: 0, repetitions: 1, rounds: 1, e => e is NotSupportedException));
    }

    [Fact]
    public void RoundsAreCappedAtTheRepetitions()
    {
        var t = Assert.Single(InterleavedTimer.Run([new TimedVariant("x", () => { }, () => { })], torch.CPU, 0, repetitions: 2, rounds: 5, _ => false));
        Assert.Equal(2, t.RoundMedianMs.Count);
    }

    [Theory]
    [InlineData(20, 5, 5, 4)]
    [InlineData(20, 3, 3, 7)] // 21 timed runs in all: never fewer than asked
    [InlineData(2, 5, 2, 1)]  // rounds capped at the repetitions
    public void TimedRunsPerRoundCoverTheRepetitions(int repetitions, int rounds, int expectedRounds, int expectedPerRound)
    {
        Assert.Equal(expectedRounds, InterleavedTimer.RoundsRun(repetitions, rounds));
        Assert.Equal(expectedPerRound, InterleavedTimer.TimedRunsPerRound(repetitions, rounds));
    }

    [Theory]
    [InlineData(-1, 1, 1, "warmup")]
    [InlineData(0, 0, 1, "repetitions")]
    [InlineData(0, 1, 0, "rounds")]
    public void RejectsCountsOutOfRange(int warmup, int repetitions, int rounds, string argument)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            InterleavedTimer.Run([new TimedVariant("x", () => { }, () => { })], torch.CPU, warmup, repetitions, rounds, _ => false));
        Assert.Equal(argument, e.ParamName);
    }

    [Fact]
    public void MedianOfEvenAndOddCounts()
    {
        Assert.Equal(2.0, DeviceTimer.Median([3.0, 1.0, 2.0]));
        Assert.Equal(2.5, DeviceTimer.Median([4.0, 1.0, 3.0, 2.0]));
        Assert.Throws<ArgumentException>(() => DeviceTimer.Median([]));
    }

    [Fact]
    public void TheTableShowsTheLowestAndHighestPairedRoundRatio()
    {
        var exact = new BenchmarkRow("base", 224, 197, "Exact", 1, 0, 100, double.NaN, "", [100.0, 200.0, 100.0]);
        var native = new BenchmarkRow("base", 224, 197, "Native", 2, 128, 95, double.NaN, "", [96.0, 188.0, 93.0]);

        Assert.Equal("0.930–0.960", BenchmarkReport.RoundRatioRange(native, exact)); // 0.96, 0.94, 0.93
        Assert.Equal("–", BenchmarkReport.RoundRatioRange(exact, exact));
        Assert.Equal("–", BenchmarkReport.RoundRatioRange(native with { RoundImagesPerSecond = null }, exact));
    }
}
