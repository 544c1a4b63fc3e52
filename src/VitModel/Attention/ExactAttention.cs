using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// Exact softmax attention through TorchSharp's <c>scaled_dot_product_attention</c> (scale 1/√d).
/// The causal flag uses the §3 offset (j ≤ i + Nk − Nq); rows that see no key output 0.
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
        var (_, _, nq, nk, _, _) = AttentionInputs.Check(q, k, v, allowDouble: true);
        if (!Options.Causal)
            return nn.functional.scaled_dot_product_attention(q, k, v);
        if (nq == nk)
            return nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true);

        using var scope = NewDisposeScope();
        var allowed = CausalMask.Allowed(nq, nq, nk, q.device);
        // Rows with no visible key would give NaN: let them see every key, then zero them.
        var empty = allowed.any(1, keepdim: true).logical_not();
        var output = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: allowed.logical_or(empty));
        return output.masked_fill(empty, 0).MoveToOuterDisposeScope();
    }
}
