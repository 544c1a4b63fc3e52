using DistrAttention.Vit.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// A forward hook on the attention seam: installed as an encoder block's <c>kernel</c>, it records the Q, K, V the
/// block hands to its attention and then runs the block's own kernel unchanged. TorchSharp's module hooks fire only
/// through <c>call</c>, and <c>SelfAttention</c> calls its kernel's <c>Attend</c> directly, so a wrapper is the hook.
/// </summary>
internal sealed class CapturingAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>, IAttention
{
    private readonly IAttention inner;
    private readonly List<Tensor> queries = [], keys = [], values = [];

    /// <summary>Wraps <paramref name="inner"/> (an attention module, kept as the child <c>inner</c>).</summary>
    public CapturingAttention(IAttention inner, string name = "kernel") : base(name)
    {
        this.inner = inner;
        register_module("inner", (nn.Module)inner);
    }

    /// <inheritdoc />
    public AttentionOptions Options => inner.Options;

    /// <inheritdoc />
    public Tensor Attend(Tensor q, Tensor k, Tensor v) => forward(q, k, v);

    /// <inheritdoc />
    public override Tensor forward(Tensor q, Tensor k, Tensor v)
    {
        // Copies leave the caller's dispose scope: SelfAttention frees its intermediates when forward returns.
        queries.Add(q.detach().clone().DetachFromDisposeScope());
        keys.Add(k.detach().clone().DetachFromDisposeScope());
        values.Add(v.detach().clone().DetachFromDisposeScope());
        return inner.Attend(q, k, v);
    }

    /// <summary>Everything recorded so far, concatenated over the batch: [B, H, N, d] each.</summary>
    public (Tensor Q, Tensor K, Tensor V) Captured() => (cat(queries, 0), cat(keys, 0), cat(values, 0));
}
