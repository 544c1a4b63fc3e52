namespace ImageClassification.Benchmark;

/// <summary>The training-step time of one configuration in C# (one child process, or in-process).</summary>
/// <param name="Model">Model name.</param>
/// <param name="ImageSize">Image side in pixels.</param>
/// <param name="Tokens">N = patches + class token.</param>
/// <param name="Attention">Exact or DistrAttention.</param>
/// <param name="GroupSize">G (1 for Exact).</param>
/// <param name="Implementation">sdpa (Exact), native or reference (DistrAttention), as the run reported it.</param>
/// <param name="Precision">Float32, BFloat16 or Float16.</param>
/// <param name="Batch">Images per step.</param>
/// <param name="MsPerStep">Median over repetitions of (synchronised wall time of the back-to-back steps) / steps; NaN if not run.</param>
/// <param name="ImagesPerSecond">Batch / step time.</param>
/// <param name="MemoryUsedMiB">Device memory in use (total − free of cudaMemGetInfo) after the timed steps, MiB; NaN when unknown.</param>
/// <param name="MemoryBaselineMiB">The same before the model was built (CUDA context, libraries, other processes), MiB.</param>
/// <param name="Loss">The last step's loss (finite when the step works).</param>
/// <param name="Device">Device name (e.g. NVIDIA H200) or CPU.</param>
/// <param name="Note">Why a value is missing, or what to know about it; empty when nothing.</param>
public sealed record TrainMeasurement(string Model, int ImageSize, int Tokens, string Attention, int GroupSize, string Implementation,
    string Precision, int Batch, double MsPerStep, double ImagesPerSecond, double MemoryUsedMiB, double MemoryBaselineMiB,
    double Loss, string Device, string Note);

/// <summary>One line of the PyTorch script's output (bench/pytorch/vit_train_bench.py): a training step or a forward.</summary>
/// <param name="Mode">train or infer.</param>
/// <param name="Model">Model name.</param>
/// <param name="ImageSize">Image side.</param>
/// <param name="Precision">float32, bfloat16 or float16.</param>
/// <param name="Batch">Images per step or forward.</param>
/// <param name="MsPerStep">Median ms per training step (train) or per forward (infer).</param>
/// <param name="ImagesPerSecond">Batch / time.</param>
/// <param name="MemoryUsedMiB">total − free of torch.cuda.mem_get_info after the timed steps (train), MiB.</param>
/// <param name="MemoryBaselineMiB">The same before the model was built.</param>
/// <param name="MaxAllocatedMiB">torch.cuda.max_memory_allocated, MiB (for information).</param>
/// <param name="MaxReservedMiB">torch.cuda.max_memory_reserved, MiB (for information).</param>
/// <param name="Loss">The last step's loss (train).</param>
/// <param name="Device">torch.cuda.get_device_name().</param>
/// <param name="Torch">torch.__version__.</param>
/// <param name="Implementation">The model: "timm x.y.z" or "fallback" (the script's own ViT).</param>
/// <param name="Note">Error text, or empty.</param>
public sealed record PyTorchMeasurement(string Mode, string Model, int ImageSize, string Precision, int Batch, double MsPerStep,
    double ImagesPerSecond, double MemoryUsedMiB, double MemoryBaselineMiB, double MaxAllocatedMiB, double MaxReservedMiB,
    double Loss, string Device, string Torch, string Implementation, string Note);
