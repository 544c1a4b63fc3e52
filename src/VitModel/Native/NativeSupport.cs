using DistrAttention.Vit.Attention;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// Which configurations the native kernel runs (docs/design.md and <c>distr_attention.h</c>): head dim 32, 64 or 128
/// (V with the same head dim), G ∈ {1, 2, 4, 8, 16} dividing d, l ∈ {64, 128}, fp16 or bf16, CUDA tensors on the
/// current device. These checks are pure so that a fallback decision needs no native call.
/// </summary>
public static class NativeSupport
{
    /// <summary>Head dimensions the kernel supports.</summary>
    public static readonly IReadOnlyList<int> HeadDims = [32, 64, 128];

    /// <summary>Query block sizes l the kernel supports.</summary>
    public static readonly IReadOnlyList<int> BlockSizes = [64, 128];

    /// <summary>
    /// The CUDA device the kernel runs on: the current device of the calling thread. TorchSharp 0.107 has no
    /// <c>set_device</c>, and libtorch restores the current device after every operation, so it is device 0 (the first
    /// visible GPU; pick a GPU with <c>CUDA_VISIBLE_DEVICES</c>). Tensors on another GPU are not supported.
    /// </summary>
    public const int CurrentDevice = 0;

    /// <summary>Why the kernel cannot run this configuration, or null when it can.</summary>
    /// <param name="headDim">d of Q and K.</param>
    /// <param name="valueDim">dv of V.</param>
    /// <param name="options">G, l (and the kind: Exact is not DistrAttention).</param>
    /// <param name="dtype">Element type the kernel would see.</param>
    public static string? WhyNot(long headDim, long valueDim, AttentionOptions options, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind != AttentionKind.DistrAttention)
            return "the options select exact attention";
        if (!HeadDims.Contains((int)headDim))
            return $"head dim d = {headDim} is not 32, 64 or 128";
        if (valueDim != headDim)
            return $"V's head dim {valueDim} differs from d = {headDim}";
        if (!AttentionOptions.SupportedGroupSizes.Contains(options.GroupSize) || headDim % options.GroupSize != 0)
            return $"group size G = {options.GroupSize} is not one of 1, 2, 4, 8, 16 dividing d = {headDim}";
        if (!BlockSizes.Contains(options.BlockSize))
            return $"block size l = {options.BlockSize} is not 64 or 128";
        if (dtype is not (ScalarType.Float16 or ScalarType.BFloat16))
            return $"dtype {dtype} is not Float16 or BFloat16 (set the model's Precision to Float16 or BFloat16)";
        return null;
    }

    /// <summary>Maps a TorchSharp dtype to the ABI's dtype code.</summary>
    internal static int AbiDType(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => DaAbi.DTypeFp16,
        ScalarType.BFloat16 => DaAbi.DTypeBf16,
        _ => throw new ArgumentException($"The native kernel needs Float16 or BFloat16 tensors, got {dtype}."),
    };
}
