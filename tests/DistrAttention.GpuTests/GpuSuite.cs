using System.Globalization;
using DistrAttention.Vit.Native;
using DistrAttention.Runtime;

namespace DistrAttention.GpuTests;

/// <summary>
/// The C# GPU suite's command line, run by the device host (<c>bench/DeviceHost</c>, the <c>distrattention-gpu</c>
/// bundle), which also forwards <c>sample …</c> to the sample's CLI:
/// <list type="bullet">
/// <item><c>[--out DIR]</c>: the GPU test suite (skips with exit 0 when CUDA is not available);</item>
/// <item><c>probe MODEL SIZE N [train]</c>: N fp16 forwards (or bf16 training steps) only, for a kernel profiler;</item>
/// <item><c>timm-check DIR</c>: timm/HF checkpoint import against timm's logits, then a fine-tune (<see cref="TimmImportChecks"/>).</item>
/// </list>
/// </summary>
public static class GpuSuite
{
    /// <summary>Runs the command line; returns the exit code (0 when every check passed or the suite skipped).</summary>
    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        if (args.Length > 0 && args[0] == "probe")
            return ForwardProbe.Run(args[1..]);
        if (args.Length > 0 && args[0] == "timm-check")
            return TimmImportChecks.Run(args[1..]);

        string outDir = args.Length >= 2 && args[0] == "--out" ? args[1]
            : Environment.GetEnvironmentVariable("OUT") is { Length: > 0 } o ? o : Path.Combine(Environment.CurrentDirectory, "gpu-results");
        Directory.CreateDirectory(outDir);
        using var log = new StreamWriter(Path.Combine(outDir, "gpu-tests.log"));
        var h = new Harness(log);
        try
        {
            TorchRuntime.EnsureInitialized();
        }
        catch (TorchRuntimeException e)
        {
            h.Write($"SKIP: libtorch could not be loaded ({e.Message}); the GPU suite needs a CUDA libtorch.");
            return 0;
        }
        if (!TorchRuntime.CudaAvailable)
        {
            h.Write("SKIP: CUDA is not available (no GPU or no CUDA libtorch: set DISTRATTENTION_LIBTORCH); the GPU suite did not run.");
            h.Write("0 passed, 0 failed");
            return 0;
        }
        h.Write($"libtorch: {TorchRuntime.LoadedLibTorchDirectory}; native: {NativeKernels.LibraryPath ?? "(none)"}");
        h.Check("native library loaded with CUDA kernels", () => NativeKernels.IsAvailable ? "ok" : NativeKernels.UnavailableReason);
        if (NativeKernels.IsAvailable)
        {
            KernelChecks.Run(h);
            QTildeChecks.Run(h);
            QTildeTrainingChecks.Run(h);
            VitChecks.Run(h);
        }
        TrainerChecks.Run(h, outDir);
        DistributedChecks.Run(h, outDir); // issue 19: NCCL data parallelism (skips with the reason without libnccl or a second GPU)
        h.Write(h.Summary);
        return h.Failed == 0 ? 0 : 1;
    }
}
