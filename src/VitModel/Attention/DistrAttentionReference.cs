using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// DistrAttention in TorchSharp tensor ops, CPU and CUDA, fp32/fp16/bf16 inputs (fp64 too, for gradient checks).
/// The module's forward is the fast form, Q̃ plus fused exact attention (<see cref="QTildeAttention"/>, docs/semantics.md,
/// Q-tilde), autograd-capable with O(N) memory. <see cref="Compute"/> is the literal per-block form of docs/semantics.md —
/// the executable specification and test oracle: batched over (B, H, query blocks), the permutation a constant,
/// gradients through Q̂, K̂ and V, hashing and softmax in fp32 (fp64 for fp64 inputs). R [l, 16] is the buffer <c>r</c>.
/// </summary>
public sealed class DistrAttentionReference : DistrAttentionModule
{
    /// <summary>Creates the reference with R drawn from <see cref="AttentionOptions.Seed"/>.</summary>
    /// <param name="options">DistrAttention options; validated against <paramref name="headDim"/>.</param>
    /// <param name="headDim">Head dimension d the module will see.</param>
    /// <param name="name">Module name.</param>
    /// <exception cref="ArgumentException">The options are invalid for <paramref name="headDim"/>.</exception>
    public DistrAttentionReference(AttentionOptions options, int headDim, string name = "kernel")
        : base(options, headDim, name)
    {
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor q, Tensor k, Tensor v) => QTildeAttention.Attend(q, k, v, Projection, Options);

    /// <summary>Output [B, H, Nq, dv] and row log-sum-exp [B, H, Nq] (fp32; −∞ for rows that see no key).</summary>
    public (Tensor Output, Tensor LogSumExp) ForwardWithLse(Tensor q, Tensor k, Tensor v) =>
        Compute(q, k, v, Projection, Options);

    /// <summary>
    /// docs/semantics.md as a function: output [B, H, Nq, dv] (dtype of <paramref name="q"/>) and the row log-sum-exp of
    /// the scaled, masked scores [B, H, Nq] (fp32, or fp64 for fp64 inputs). Fully masked rows output 0.
    /// </summary>
    /// <param name="q">Queries [B, H, Nq, d].</param>
    /// <param name="k">Keys [B, H, Nk, d].</param>
    /// <param name="v">Values [B, H, Nk, dv].</param>
    /// <param name="r">Projection matrix [l, 16].</param>
    /// <param name="options">G, l, mode, causal flag.</param>
    /// <param name="scale">Score scale; null means 1/√d (the original d).</param>
    /// <exception cref="ArgumentException">A shape, dtype, device or option is invalid; the message names it.</exception>
    public static (Tensor Output, Tensor LogSumExp) Compute(
        Tensor q, Tensor k, Tensor v, Tensor r, AttentionOptions options, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(r);
        var (b, h, nq, nk, d, dv) = AttentionInputs.Check(q, k, v, allowDouble: true);
        options.Validate((int)d);
        int g = options.Kind == AttentionKind.Exact ? 1 : options.GroupSize;
        int l = options.BlockSize;
        DistrAttentionLsh.CheckProjection(r, l);

        using var scope = NewDisposeScope();
        var compute = q.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        long blocks = (nq + l - 1) / l, rows = blocks * l, groups = d / g;

        // Steps 1-4: one permutation per query block; grouping is a reshape of the permuted columns.
        var sigma = DistrAttentionLsh.Permutations(q, r, l).unsqueeze(3); // [B, H, blocks, 1, d]
        var qBlocks = nn.functional.pad(q, [0, 0, 0, rows - nq]).reshape(b, h, blocks, l, d);
        var qGrouped = qBlocks.take_along_dim(sigma, -1).to(compute).reshape(b, h, blocks, l, groups, g);
        var qHat = options.Mode == DistrAttentionMode.Mean ? qGrouped.mean([-1]) : qGrouped.select(-1, 0);
        var kHat = k.unsqueeze(2).take_along_dim(sigma, -1).to(compute)
            .reshape(b, h, blocks, nk, groups, g).sum(-1); // [B, H, blocks, Nk, d/G]

        // Steps 5-6: scores over the d/G contraction, masked softmax in fp32, then P·V.
        var scores = qHat.matmul(kHat.transpose(-1, -2)).mul(scale ?? 1.0 / Math.Sqrt(d)); // [B, H, blocks, l, Nk]
        if (options.Causal)
        {
            var hidden = CausalMask.Allowed(rows, nq, nk, q.device).logical_not().reshape(blocks, l, nk);
            scores = scores.masked_fill(hidden, double.NegativeInfinity);
        }
        var rowMax = scores.amax([-1], keepdim: true).detach();
        rowMax = where(rowMax.isfinite(), rowMax, zeros_like(rowMax)); // fully masked rows: avoid −∞ − (−∞)
        var exponentials = scores.sub(rowMax).exp();
        var sums = exponentials.sum(-1, keepdim: true);
        var probabilities = exponentials.div(where(sums.gt(0), sums, ones_like(sums))); // fully masked rows: 0 / 1 = 0
        var output = probabilities.matmul(v.unsqueeze(2).to(compute)) // [B, H, blocks, l, dv]
            .reshape(b, h, rows, dv).narrow(2, 0, nq).to(q.dtype);
        var lse = rowMax.add(sums.log()).reshape(b, h, rows).narrow(2, 0, nq);
        return (output.MoveToOuterDisposeScope(), lse.MoveToOuterDisposeScope());
    }
}
