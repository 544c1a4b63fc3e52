using DistrAttention.Vit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// DistrAttention on the native CUDA library where it can run, TorchSharp ops elsewhere (one log line per reason, see
/// <see cref="AttentionSelectionLog"/>; with <see cref="AttentionImplementation.Native"/> a fallback is an error).
/// <list type="bullet">
/// <item>Inference on CUDA (fp16/bf16): the fused native kernel (<see cref="NativeKernels.Forward"/>).</item>
/// <item>Training on CUDA: Q̃ from the native hashing pre-pass with its native adjoint (<see cref="QTildeCudaFunction"/>),
/// then fused exact attention forward and backward (docs/semantics.md, Q-tilde); the TorchSharp path where the pre-pass does not
/// support the shape.</item>
/// <item>Float32 inputs or the CPU: <see cref="QTildeAttention"/> (TorchSharp ops).</item>
/// </list>
/// All give the same result up to rounding: the projection matrix R (buffer <c>r</c>, drawn exactly like the
/// reference's, so state dicts are interchangeable) is passed to the kernel as a CUDA float32 tensor.
/// </summary>
public sealed class DistrAttentionCuda : DistrAttentionModule
{
    /// <summary>Creates the module with R drawn from <see cref="AttentionOptions.Seed"/>.</summary>
    /// <param name="options">DistrAttention options; validated against <paramref name="headDim"/>.</param>
    /// <param name="headDim">Head dimension d.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentException">The options are invalid for <paramref name="headDim"/>.</exception>
    public DistrAttentionCuda(AttentionOptions options, int headDim, string name = "kernel")
        : base(options, headDim, name)
    {
    }

    /// <summary>Which implementation the last call ran (for tests and diagnostics).</summary>
    public AttentionPath LastPath { get; private set; }

    /// <inheritdoc />
    public override Tensor forward(Tensor q, Tensor k, Tensor v)
    {
        var (_, _, _, _, d, dv) = AttentionInputs.Check(q, k, v, allowDouble: true);
        string? reason = WhyNotNative(q, d, dv);
        if (reason is null)
        {
            bool training = is_grad_enabled() && (q.requires_grad || k.requires_grad || v.requires_grad);
            if (!training)
            {
                LastPath = AttentionPath.Native;
                return NativeKernels.Forward(Prepare(q), Prepare(k), Prepare(v), Projection, Options,
                    output: TokenMajorOutput(q, v));
            }
            if (Options.GroupSize > 1 && NativeKernels.SupportsQTilde(d, Options, q.dtype))
            {
                LastPath = AttentionPath.NativeQTilde;
                // The scope also frees the empty tensor TorchSharp's autograd function allocates per output (used only
                // for an undefined incoming gradient, which exact attention never gives): Q~ is the only extra memory.
                using var scope = NewDisposeScope();
                var qTilde = QTildeCudaFunction.Apply(Prepare(q), Projection, Options);
                return ExactAttention.Compute(qTilde, k, v, Options.Causal).MoveToOuterDisposeScope();
            }
        }
        else if (Options.Implementation == AttentionImplementation.Native)
            throw new NotSupportedException($"AttentionImplementation.Native was requested, but the native kernel cannot run: {reason}.");
        else if (q.device_type != DeviceType.CPU) // on the CPU the TorchSharp path is the expected one: nothing to report
            AttentionSelectionLog.Once(reason);
        LastPath = AttentionPath.Reference;
        return QTildeAttention.Attend(q, k, v, Projection, Options);
    }

    /// <summary>
    /// An uninitialised [B, H, Nq, dv] view of token-major [B, Nq, H, dv] memory (the layout scaled_dot_product_attention
    /// returns): the ViT's head merge, transpose(1, 2).reshape, is then a view instead of a copy of the whole output.
    /// </summary>
    private static Tensor TokenMajorOutput(Tensor q, Tensor v) =>
        empty([q.shape[0], q.shape[2], q.shape[1], v.shape[3]], q.dtype, q.device).transpose(1, 2);

    /// <summary>Copies when the layout does not meet the kernel's stride/alignment rules.</summary>
    internal static Tensor Prepare(Tensor t)
    {
        var layout = NativeTensorLayout.Of(t, "t");
        bool fits = layout.Strides[3] == 1 && layout.Address % 16 == 0
                    && layout.Strides.Take(3).All(s => s >= 0 && s % 8 == 0);
        return fits ? t : t.contiguous();
    }

    /// <summary>Why the native library cannot run these inputs (null when it can).</summary>
    private string? WhyNotNative(Tensor q, long d, long dv)
    {
        if (q.device_type != DeviceType.CUDA)
            return $"the inputs are on {q.device_type}, not CUDA";
        if (!NativeKernels.IsAvailable)
            return NativeKernels.UnavailableReason;
        if (q.device_index != NativeSupport.CurrentDevice && q.device_index >= 0)
            return $"the inputs are on cuda:{q.device_index}, the kernel runs on the current device cuda:{NativeSupport.CurrentDevice}";
        if (q.dtype is not (ScalarType.Float16 or ScalarType.BFloat16))
            return $"the inputs are {q.dtype}; the kernel runs Float16/BFloat16 (set the model's Precision)";
        return NativeSupport.WhyNot(d, dv, Options, q.dtype);
    }
}
