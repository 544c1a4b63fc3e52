using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// Q̃ of docs/semantics.md (Q-tilde) in TorchSharp ops: given the block permutations σ_b, every column c of a group g of query block
/// b holds that group's representative (Mean: the mean of the group's Q columns; Sample: its first column). Then
/// scale·Q̂K̂ᵀ = scale·Q̃Kᵀ, so DistrAttention is exact attention on (Q̃, K, V).
/// <para>
/// This is the path on the CPU and for shapes the native pre-pass does not support (on CUDA the native pre-pass and its
/// native adjoint replace it, <c>QTildeCudaFunction</c>). Q̃ is one batched product per query block, Q̃_b = Q_b·W_b
/// with the d×d expansion matrix W_b of <see cref="ExpansionMatrix"/>, so autograd gives the adjoint of Q → Q̃ for free (dQ_b = dQ̃_b·W_bᵀ: the group mean of
/// dQ̃ in Mean mode; in Sample mode the group's sum goes to the representative column and 0 to the others) and σ, a
/// function of Q's signs, is a constant (no gradient). Memory: Q̃ plus d² per block (W, saved for the backward); no N×N
/// tensor. (Column gathers instead of W were measured slower and larger on the H200: take_along_dim materialises its
/// broadcast int64 index, docs/performance.md.)
/// </para>
/// </summary>
public static class QTilde
{
    /// <summary>
    /// Q̃ [B, H, Nq, d] of <paramref name="q"/> for the options' G, l and mode, hashing with R (<paramref name="r"/>).
    /// Differentiable in <paramref name="q"/>.
    /// </summary>
    /// <param name="q">Queries [B, H, Nq, d], fp32/fp16/bf16/fp64.</param>
    /// <param name="r">Projection matrix R [l, 16].</param>
    /// <param name="options">DistrAttention options (G, l, mode).</param>
    public static Tensor Build(Tensor q, Tensor r, AttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(options);
        AttentionInputs.CheckRank(q, nameof(q), "[B, H, Nq, d]");
        AttentionInputs.CheckDType(q, nameof(q), allowDouble: true);
        options.Validate((int)q.shape[3]);
        if (options.Kind == AttentionKind.Exact || options.GroupSize == 1)
            return q.alias();
        using var scope = NewDisposeScope();
        var sigma = DistrAttentionLsh.Permutations(q, r, options.BlockSize);
        return FromPermutations(q, sigma, options).MoveToOuterDisposeScope();
    }

    /// <summary>Q̃ [B, H, Nq, d] of <paramref name="q"/> for given permutations σ [B, H, blocks, d] (int32 or int64, e.g.
    /// from the native pre-pass). Differentiable in <paramref name="q"/>.</summary>
    /// <param name="q">Queries [B, H, Nq, d].</param>
    /// <param name="sigma">σ_b of every query block.</param>
    /// <param name="options">G, l, mode.</param>
    public static Tensor FromPermutations(Tensor q, Tensor sigma, AttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(sigma);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind == AttentionKind.Exact || options.GroupSize == 1)
            return q.alias();
        using var scope = NewDisposeScope();
        var w = ExpansionMatrix(sigma, options.GroupSize, options.Mode, q.dtype);
        return ApplyBlockwise(q, w, options.BlockSize).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The expansion matrices W [B, H, blocks, d, d] of permutations σ [B, H, blocks, d] (int32 or int64):
    /// Q̃_b = Q_b·W_b. Mean: W[c′, c] = 1/G when c′ and c are in one group. Sample: W[c′, c] = 1 when c′ is the first
    /// column (in σ order) of c's group.
    /// </summary>
    /// <param name="sigma">Column order of every block: σ_b[t] is the t-th column after sorting.</param>
    /// <param name="groupSize">G.</param>
    /// <param name="mode">Mean or Sample.</param>
    /// <param name="dtype">Element type of W (the type of the Q it multiplies).</param>
    public static Tensor ExpansionMatrix(Tensor sigma, int groupSize, DistrAttentionMode mode, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(sigma);
        if (sigma.dim() != 4)
            throw new ArgumentException($"sigma must be [B, H, blocks, d], got [{string.Join(", ", sigma.shape)}].", nameof(sigma));
        long d = sigma.shape[3];
        if (groupSize < 1 || d % groupSize != 0)
            throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, $"G must divide d = {d}.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var order = sigma.to(ScalarType.Int64);
        // group of column c = (position of c in σ_b) / G: one scatter of ⌊t / G⌋ (σ_b is a permutation), no sort
        var groupOfPosition = arange(d, ScalarType.Int64, sigma.device).div(groupSize, rounding_mode: RoundingMode.floor);
        var group = empty_like(order).scatter_(-1, order, groupOfPosition.expand_as(order));
        Tensor w;
        if (mode == DistrAttentionMode.Mean)
            w = group.unsqueeze(-1).eq(group.unsqueeze(-2)).to(dtype).div_(groupSize);
        else
        {
            // representative[c] = σ_b[G·group(c)]: the first column of c's group.
            var representative = order.gather(-1, group.mul(groupSize));
            var rows = arange(d, ScalarType.Int64, sigma.device).reshape(1, 1, 1, d, 1);
            w = rows.eq(representative.unsqueeze(-2)).to(dtype);
        }
        return w.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// X̃ [B, H, N, d] with X̃_b = X_b·W_b for every query block b of <paramref name="blockSize"/> rows (a short last block
    /// uses only its rows). Used for Q̃ = Q·W and for the adjoint dQ = dQ̃·Wᵀ.
    /// </summary>
    /// <param name="x">[B, H, N, d].</param>
    /// <param name="w">[B, H, ceil(N / l), d, d].</param>
    /// <param name="blockSize">l.</param>
    public static Tensor ApplyBlockwise(Tensor x, Tensor w, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        using var scope = NewDisposeScope();
        long b = x.shape[0], h = x.shape[1], n = x.shape[2], d = x.shape[3];
        long blocks = (n + blockSize - 1) / blockSize, rows = blocks * blockSize;
        if (w.dim() != 5 || w.shape[2] != blocks || w.shape[3] != d || w.shape[4] != d)
            throw new ArgumentException(
                $"w must be [B, H, {blocks}, {d}, {d}], got [{string.Join(", ", w.shape)}].", nameof(w));
        var padded = rows == n ? x : nn.functional.pad(x, [0, 0, 0, rows - n]);
        var result = padded.reshape(b, h, blocks, blockSize, d).matmul(w).reshape(b, h, rows, d);
        return (rows == n ? result : result.narrow(2, 0, n)).MoveToOuterDisposeScope();
    }
}
