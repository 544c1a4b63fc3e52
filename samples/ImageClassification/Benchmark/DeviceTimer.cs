using System.Diagnostics;
using TorchSharp;

namespace ImageClassification.Benchmark;

/// <summary>
/// Synchronize-based timing (TorchSharp 0.107 has no CUDA events): the device is synchronised before and after each
/// repetition, so a time covers all the GPU work it queued. A repetition may run the action several times back to
/// back: a short kernel then costs its GPU time rather than the latency of one synchronisation (30-50 µs on the
/// H200), as it does inside a model's forward pass. Warm-up calls run first; the median per-call time is reported.
/// </summary>
public static class DeviceTimer
{
    /// <summary>Median over <paramref name="repetitions"/> of (wall time of <paramref name="callsPerRepetition"/>
    /// back-to-back calls, synchronised) / <paramref name="callsPerRepetition"/>, in milliseconds.</summary>
    public static double MedianMilliseconds(Action action, torch.Device device, int warmup, int repetitions, int callsPerRepetition = 1) =>
        Median(Times(action, device, warmup, repetitions, callsPerRepetition));

    /// <summary>The per-call times (ms) of <paramref name="repetitions"/> synchronised repetitions of
    /// <paramref name="callsPerRepetition"/> back-to-back calls, after <paramref name="warmup"/> untimed calls.</summary>
    public static double[] Times(Action action, torch.Device device, int warmup, int repetitions, int callsPerRepetition = 1)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(callsPerRepetition, 1);
        for (int i = 0; i < warmup; i++) { action(); Sync(device); }
        var times = new double[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            Sync(device);
            long start = Stopwatch.GetTimestamp();
            for (int c = 0; c < callsPerRepetition; c++) action();
            Sync(device);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds / callsPerRepetition;
        }
        return times;
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("The median of no values is undefined.", nameof(values));
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void Sync(torch.Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
