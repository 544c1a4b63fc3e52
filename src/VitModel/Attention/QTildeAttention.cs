using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// DistrAttention as Q̃ plus fused exact attention (docs/semantics.md, Q-tilde): hash Q per block, build Q̃ (<see cref="QTilde"/>),
/// then <see cref="ExactAttention.Compute"/> on (Q̃, K, V) with the scale of the original d. This is how the library
/// trains and runs DistrAttention in TorchSharp ops on any device: forward and backward are the fused exact kernels
/// (flash/cuDNN on CUDA) plus a batched d×d product per query block, and no N×N tensor is materialised. The literal
/// per-block form (<see cref="DistrAttentionReference.Compute"/>) remains the test oracle.
/// </summary>
public static class QTildeAttention
{
    /// <summary>DistrAttention output [B, H, Nq, dv] in q's dtype; differentiable in q, k and v.</summary>
    /// <param name="q">Queries [B, H, Nq, d].</param>
    /// <param name="k">Keys [B, H, Nk, d].</param>
    /// <param name="v">Values [B, H, Nk, dv].</param>
    /// <param name="r">Projection matrix R [l, 16].</param>
    /// <param name="options">G, l, mode, causal flag.</param>
    /// <param name="scale">Score scale; null = 1/√d.</param>
    /// <exception cref="ArgumentException">A shape, dtype, device or option is invalid; the message names it.</exception>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor r, AttentionOptions options, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(r);
        var (_, _, _, _, d, _) = AttentionInputs.Check(q, k, v, allowDouble: true);
        options.Validate((int)d);
        DistrAttentionLsh.CheckProjection(r, options.BlockSize);
        using var scope = NewDisposeScope();
        var qTilde = QTilde.Build(q, r, options);
        return ExactAttention.Compute(qTilde, k, v, options.Causal, scale).MoveToOuterDisposeScope();
    }
}
