using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// Exact softmax attention through TorchSharp's <c>scaled_dot_product_attention</c> (scale 1/√d).
/// The causal flag uses the offset of docs/semantics.md (j ≤ i + Nk − Nq); rows that see no key output 0.
/// </summary>
public sealed class ExactAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>, IAttention
{
    /// <summary>Creates exact attention.</summary>
    /// <param name="options">Options; only <see cref="AttentionOptions.Causal"/> is used.</param>
    /// <param name="name">Module name.</param>
    public ExactAttention(AttentionOptions options, string name = "kernel") : base(name)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
    }

    /// <inheritdoc />
    public AttentionOptions Options { get; }

    /// <inheritdoc />
    public Tensor Attend(Tensor q, Tensor k, Tensor v) => forward(q, k, v);

    /// <inheritdoc />
    public override Tensor forward(Tensor q, Tensor k, Tensor v)
    {
        AttentionInputs.Check(q, k, v, allowDouble: true);
        return Compute(q, k, v, Options.Causal);
    }

    /// <summary>
    /// Exact attention through <c>scaled_dot_product_attention</c> (flash/cuDNN/memory-efficient on CUDA, fused on the
    /// CPU), with the causal offset of docs/semantics.md; rows that see no key output 0.
    /// </summary>
    /// <param name="q">Queries [B, H, Nq, d].</param>
    /// <param name="k">Keys [B, H, Nk, d].</param>
    /// <param name="v">Values [B, H, Nk, dv].</param>
    /// <param name="causal">Query i sees key j iff j ≤ i + Nk − Nq.</param>
    /// <param name="scale">Score scale; null = 1/√d.</param>
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, bool causal, double? scale = null)
    {
        long nq = q.shape[2], nk = k.shape[2], d = q.shape[3];
        using var scope = NewDisposeScope();
        // TorchSharp's scaled_dot_product_attention takes no scale: fold a non-default one into q.
        if (scale is { } s && Math.Abs(s * Math.Sqrt(d) - 1) > 1e-12)
            q = q.mul(s * Math.Sqrt(d));
        Tensor output;
        if (!causal)
            output = nn.functional.scaled_dot_product_attention(q, k, v);
        else if (nq == nk)
            output = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);
        else
        {
            var allowed = CausalMask.Allowed(nq, nq, nk, q.device);
            // Rows with no visible key would give NaN: let them see every key, then zero them.
            var empty = allowed.any(1, keepdim: true).logical_not();
            output = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: allowed.logical_or(empty))
                .masked_fill(empty, 0);
        }
        return output.MoveToOuterDisposeScope();
    }
}
