using System.Diagnostics;
using TorchSharp;

namespace ImageClassification.Benchmark;

/// <summary>
/// Synchronize-based timing: the device is synchronised before and after each repetition, so a time covers all the
/// GPU work of one call (TorchSharp 0.107 has no CUDA events). Warm-up runs first; the median is reported.
/// </summary>
internal static class Timer
{
    public static double MedianMilliseconds(Action action, torch.Device device, int warmup, int repetitions)
    {
        for (int i = 0; i < warmup; i++) { action(); Sync(device); }
        var times = new double[repetitions];
        for (int i = 0; i < repetitions; i++)
        {
            Sync(device);
            long start = Stopwatch.GetTimestamp();
            action();
            Sync(device);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        return repetitions % 2 == 1 ? times[repetitions / 2] : (times[repetitions / 2 - 1] + times[repetitions / 2]) / 2;
    }

    private static void Sync(torch.Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize();
    }
}
