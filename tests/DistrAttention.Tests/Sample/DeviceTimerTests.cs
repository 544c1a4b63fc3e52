using ImageClassification.Benchmark;

namespace DistrAttention.Tests.Sample;

public sealed class DeviceTimerTests
{
    /// <summary>Loads libtorch before the first TorchSharp call (torch.CPU).</summary>
    public DeviceTimerTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ReportsTimePerCallOfBackToBackCalls()
    {
        int calls = 0;
        double perCall = DeviceTimer.MedianMilliseconds(() => { calls++; Thread.Sleep(5); }, torch.CPU, warmup: 2, repetitions: 3, callsPerRepetition: 6);

        Assert.Equal(2 + 3 * 6, calls);
        // each call sleeps >= 5 ms; a time per repetition (6 calls) would be >= 30 ms
        Assert.InRange(perCall, 4.9, 29.9);
    }

    [Fact]
    public void OneCallPerRepetitionByDefault()
    {
        int calls = 0;
        DeviceTimer.MedianMilliseconds(() => calls++, torch.CPU, warmup: 0, repetitions: 4);
        Assert.Equal(4, calls);
    }

    [Theory]
    [InlineData(-1, 3, 1, "warmup")]
    [InlineData(0, 0, 1, "repetitions")]
    [InlineData(0, 3, 0, "callsPerRepetition")]
    public void RejectsCountsOutOfRange(int warmup, int repetitions, int callsPerRepetition, string argument)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DeviceTimer.MedianMilliseconds(() => { }, torch.CPU, warmup, repetitions, callsPerRepetition));
        Assert.Equal(argument, e.ParamName);
    }
}
