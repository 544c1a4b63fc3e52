using DistrAttention.Vit.Native;
using DistrAttention.Runtime;
using TorchSharp;

namespace DistrAttention.Vit.Attention;

/// <summary>Builds the attention implementation that <see cref="AttentionOptions"/> selects.</summary>
public static class AttentionFactory
{
    /// <summary>
    /// Creates a module implementing <see cref="IAttention"/> for heads of dimension <paramref name="headDim"/>.
    /// Exact options give <see cref="ExactAttention"/>. DistrAttention gives <see cref="DistrAttentionReference"/> for
    /// <see cref="AttentionImplementation.Reference"/>, <see cref="DistrAttentionCuda"/> for
    /// <see cref="AttentionImplementation.Native"/>, and for <see cref="AttentionImplementation.Auto"/>
    /// <see cref="DistrAttentionCuda"/> when the native library with CUDA kernels is present (it still falls back to the
    /// reference per call, e.g. on the CPU), else the reference (logging why once when CUDA is available).
    /// </summary>
    /// <param name="options">Attention options; validated against <paramref name="headDim"/>.</param>
    /// <param name="headDim">Head dimension d.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentException">The options are invalid for <paramref name="headDim"/>.</exception>
    public static torch.nn.Module Create(AttentionOptions options, int headDim, string name = "kernel")
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(headDim);
        TorchRuntime.EnsureInitialized();
        if (options.Kind == AttentionKind.Exact)
            return new ExactAttention(options, name);
        return options.Implementation switch
        {
            AttentionImplementation.Reference => new DistrAttentionReference(options, headDim, name),
            AttentionImplementation.Native => new DistrAttentionCuda(options, headDim, name),
            _ when NativeUsable() => new DistrAttentionCuda(options, headDim, name),
            _ => new DistrAttentionReference(options, headDim, name),
        };
    }

    private static bool NativeUsable()
    {
        if (NativeKernels.IsAvailable) return true;
        // Only worth a line where a GPU could have run the kernel; CPU-only hosts expect the reference.
        if (TorchRuntime.CudaAvailable)
            AttentionSelectionLog.Once(NativeKernels.UnavailableReason ?? "the native library is not available");
        return false;
    }
}
