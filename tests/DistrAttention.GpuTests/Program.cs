using System.Globalization;
using DistrAttention.GpuTests;
using DistrAttention.Vit.Native;
using DistrAttention.Runtime;
using ImageClassification.Cli;

// distrattention-gpu [--out DIR]       : the GPU test suite (skips with exit 0 when CUDA is not available)
// distrattention-gpu sample ARGS...    : the sample CLI (train, evaluate, predict, benchmark) from the same bundle
// distrattention-gpu probe MODEL SIZE N [train] : N fp16 forwards (or bf16 training steps) only, for a kernel profiler
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "sample")
    return VitSampleCli.Run(args[1..]);
if (args.Length > 0 && args[0] == "probe")
    return ForwardProbe.Run(args[1..]);
if (args.Length > 0 && args[0] == "timm-check") // timm-check DIR: timm/HF checkpoint import vs timm's logits, fine-tune (TimmImportChecks.cs)
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
