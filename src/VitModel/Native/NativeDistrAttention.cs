using DistrAttention.Vit.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// DistrAttention that runs the native CUDA kernel when it can and the reference otherwise (one log line per reason,
/// see <see cref="AttentionSelectionLog"/>; with <see cref="AttentionImplementation.Native"/> a fallback is an error).
/// Both give the same result up to rounding: the projection matrix R (buffer <c>r</c>, drawn exactly like the
/// reference's, so state dicts are interchangeable) is passed to the kernel as a CUDA float32 tensor.
/// With gradients required, the native forward runs inside <see cref="NativeDistrAttentionFunction"/>.
/// </summary>
public sealed class NativeDistrAttention : DistrAttentionModule
{
    /// <summary>Creates the module with R drawn from <see cref="AttentionOptions.Seed"/>.</summary>
    /// <param name="options">DistrAttention options; validated against <paramref name="headDim"/>.</param>
    /// <param name="headDim">Head dimension d.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentException">The options are invalid for <paramref name="headDim"/>.</exception>
    public NativeDistrAttention(AttentionOptions options, int headDim, string name = "kernel")
        : base(options, headDim, name)
    {
    }

    /// <summary>Element type of the native kernel for float32 inputs (Float32: such inputs use the reference).</summary>
    public AttentionPrecision Precision { get; set; } = AttentionPrecision.Float32;

    /// <summary>Which implementation the last call ran (for tests and diagnostics).</summary>
    public AttentionPath LastPath { get; private set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor q, Tensor k, Tensor v)
    {
        var (_, _, _, _, d, dv) = AttentionInputs.Check(q, k, v, allowDouble: true);
        var (reason, dtype) = WhyNotNative(q, d, dv);
        if (reason is null)
        {
            LastPath = AttentionPath.Native;
            return RunNative(q, k, v, dtype);
        }
        if (Options.Implementation == AttentionImplementation.Native)
            throw new NotSupportedException($"AttentionImplementation.Native was requested, but the native kernel cannot run: {reason}.");
        if (q.device_type != DeviceType.CPU) // on the CPU the reference is the expected path: nothing to report
            AttentionSelectionLog.Once(reason);
        LastPath = AttentionPath.Reference;
        var (output, lse) = DistrAttentionReference.Compute(q, k, v, Projection, Options);
        lse.Dispose();
        return output;
    }

    private Tensor RunNative(Tensor q, Tensor k, Tensor v, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var (qn, kn, vn) = (Prepare(q, dtype), Prepare(k, dtype), Prepare(v, dtype));
        bool training = is_grad_enabled() && (q.requires_grad || k.requires_grad || v.requires_grad);
        var output = training
            ? NativeDistrAttentionFunction.Apply(qn, kn, vn, Projection, Options)
            : DistrAttentionNative.Forward(qn, kn, vn, Projection, Options, output: TokenMajorOutput(qn, vn));
        if (output.dtype != q.dtype)
            output = output.to(q.dtype); // mixed precision: back to the model's dtype (autograd casts the gradient)
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// An uninitialised [B, H, Nq, dv] view of token-major [B, Nq, H, dv] memory (the layout scaled_dot_product_attention
    /// returns): the ViT's head merge, transpose(1, 2).reshape, is then a view instead of a copy of the whole output.
    /// </summary>
    private static Tensor TokenMajorOutput(Tensor q, Tensor v) =>
        empty([q.shape[0], q.shape[2], q.shape[1], v.shape[3]], q.dtype, q.device).transpose(1, 2);

    /// <summary>Casts to the kernel's dtype and copies when the layout does not meet the kernel's stride/alignment rules.</summary>
    private static Tensor Prepare(Tensor t, ScalarType dtype)
    {
        var cast = t.dtype == dtype ? t : t.to(dtype);
        var layout = NativeTensorLayout.Of(cast, "t");
        bool fits = layout.Strides[3] == 1 && layout.Address % 16 == 0
                    && layout.Strides.Take(3).All(s => s >= 0 && s % 8 == 0);
        return fits ? cast : cast.contiguous();
    }

    /// <summary>Why the native kernel cannot run these inputs (null when it can) and the dtype it would run in.</summary>
    private (string? Reason, ScalarType DType) WhyNotNative(Tensor q, long d, long dv)
    {
        if (q.device_type != DeviceType.CUDA)
            return ($"the inputs are on {q.device_type}, not CUDA", q.dtype);
        if (!DistrAttentionNative.IsAvailable)
            return (DistrAttentionNative.UnavailableReason, q.dtype);
        if (q.device_index != NativeSupport.CurrentDevice && q.device_index >= 0)
            return ($"the inputs are on cuda:{q.device_index}, the kernel runs on the current device cuda:{NativeSupport.CurrentDevice}", q.dtype);
        var dtype = q.dtype switch
        {
            ScalarType.Float32 when Precision == AttentionPrecision.Float16 => ScalarType.Float16,
            ScalarType.Float32 when Precision == AttentionPrecision.BFloat16 => ScalarType.BFloat16,
            _ => q.dtype,
        };
        return (NativeSupport.WhyNot(d, dv, Options, dtype), dtype);
    }
}
