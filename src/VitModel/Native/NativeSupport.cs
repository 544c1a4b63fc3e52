using System.Collections.Concurrent;
using DistrAttention.Vit.Attention;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// Which configurations the native kernel runs, as the native library itself answers (<c>da_check_params</c>; the
/// rules are in <c>distr_attention.h</c> and docs/design.md), plus what the ABI cannot express: fp16 or bf16, V with
/// q's head dim, CUDA tensors on the current device.
/// </summary>
public static class NativeSupport
{
    /// <summary>
    /// The CUDA device the kernel runs on: the current device of the calling thread. TorchSharp 0.107 has no
    /// <c>set_device</c>, and libtorch restores the current device after every operation, so it is device 0 (the first
    /// visible GPU; pick a GPU with <c>CUDA_VISIBLE_DEVICES</c>). Tensors on another GPU are not supported.
    /// </summary>
    public const int CurrentDevice = 0;

    /// <summary>
    /// Why the native kernel cannot run this configuration, or null when it can. The native library decides (its
    /// validation, <c>da_check_params</c>, on a synthetic call of these shapes, so the rule is stated once); this side
    /// adds only what the ABI cannot express: exact attention, a value head dim other than d (the ABI has one head dim)
    /// and element types other than Float16/BFloat16. Device-dependent limits (GPU architecture) surface at the call.
    /// </summary>
    /// <param name="headDim">d.</param>
    /// <param name="valueDim">V's head dim.</param>
    /// <param name="options">DistrAttention options.</param>
    /// <param name="dtype">Element type of q, k and v.</param>
    public static string? WhyNot(long headDim, long valueDim, AttentionOptions options, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind != AttentionKind.DistrAttention)
            return "the options select exact attention";
        if (valueDim != headDim)
            return $"V's head dim {valueDim} differs from d = {headDim}";
        return AskLibrary(headDim, options, dtype, prePass: false);
    }

    /// <summary>
    /// Why the native hashing pre-pass (<see cref="NativeKernels.QTilde"/>, the CUDA training path) cannot run this
    /// configuration, or null when it can. The library decides (<c>da_check_qtilde_params</c>: d, l, G, mode); this side
    /// adds the element type, which the ABI cannot express. Device-dependent limits surface at the call.
    /// </summary>
    /// <param name="headDim">d.</param>
    /// <param name="options">DistrAttention options (G &gt; 1: with G = 1 the pre-pass has nothing to write).</param>
    /// <param name="dtype">Element type of q.</param>
    public static string? WhyNotQTilde(long headDim, AttentionOptions options, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(options);
        return AskLibrary(headDim, options, dtype, prePass: true);
    }

    // The library's answer about a configuration does not change while it is loaded, and the attention modules ask on
    // every forward: each configuration is asked once.
    private static readonly ConcurrentDictionary<(bool PrePass, int D, AttentionOptions Options, ScalarType DType), string?> Answers = new();

    // The element type (which the ABI cannot express), then the library's own answer about a synthetic call
    // (da_check_qtilde_params for the pre-pass, else da_check_params).
    private static string? AskLibrary(long headDim, AttentionOptions options, ScalarType dtype, bool prePass)
    {
        if (dtype is not (ScalarType.Float16 or ScalarType.BFloat16))
            return $"dtype {dtype} is not Float16 or BFloat16 (set the model's Precision to Float16 or BFloat16)";
        if (!NativeKernels.IsLoaded)
            return NativeKernels.UnavailableReason ?? "the native library is not loaded";
        if (headDim is < 1 or > int.MaxValue)
            return $"head dim d = {headDim} is out of range";
        return Answers.GetOrAdd((prePass, (int)headDim, options, dtype), static key =>
        {
            var p = SyntheticCall(key.D, key.Options, key.DType);
            var (status, message) = key.PrePass ? NativeKernels.CheckQTildeParams(ref p) : NativeKernels.CheckParams(ref p);
            return status == NativeStatus.Ok ? null : message;
        });
    }

    /// <summary>
    /// One batch, one head and one query block of contiguous tensors at an aligned placeholder address: valid in
    /// everything but the configuration asked about. Never launched.
    /// </summary>
    private static DaFwdParams SyntheticCall(int d, AttentionOptions options, ScalarType dtype)
    {
        var placeholder = new IntPtr(256);
        int rows = Math.Max(options.BlockSize, 1);
        return new DaFwdParams
        {
            StructSize = DaFwdParams.ExpectedSize,
            Version = DaAbi.ApiVersion,
            Q = placeholder, K = placeholder, V = placeholder, O = placeholder, R = placeholder,
            QBatchStride = (long)rows * d, QHeadStride = (long)rows * d, QRowStride = d,
            KBatchStride = (long)rows * d, KHeadStride = (long)rows * d, KRowStride = d,
            VBatchStride = (long)rows * d, VHeadStride = (long)rows * d, VRowStride = d,
            OBatchStride = (long)rows * d, OHeadStride = (long)rows * d, ORowStride = d,
            Batch = 1, Heads = 1, Nq = rows, Nk = rows, HeadDim = d,
            DType = AbiDType(dtype),
            GroupSize = options.GroupSize,
            BlockL = options.BlockSize,
            Mode = options.Mode == DistrAttentionMode.Mean ? DaAbi.ModeMean : DaAbi.ModeSample,
            Flags = options.Causal ? DaAbi.FlagCausal : 0u,
        };
    }

    internal static int AbiDType(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => DaAbi.DTypeFp16,
        ScalarType.BFloat16 => DaAbi.DTypeBf16,
        _ => throw new ArgumentException($"The native kernel needs Float16 or BFloat16 tensors, got {dtype}."),
    };
}
