using DistrAttention.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Attention;

/// <summary>
/// The hashing steps 1–3 of docs/semantics.md: per query block, project every column of Q onto R, take the sign
/// bits, map them through the inverse reflected Gray code and sort the columns by (key, column).
/// </summary>
public static class DistrAttentionLsh
{
    /// <summary>
    /// Draws the projection matrix R [<paramref name="blockSize"/>, 16] (float32, CPU) from a CPU generator seeded with
    /// <paramref name="seed"/>, so that it does not depend on the device.
    /// </summary>
    /// <param name="blockSize">l, the query rows per block.</param>
    /// <param name="seed">Generator seed (<see cref="AttentionOptions.Seed"/>).</param>
    public static Tensor ProjectionMatrix(int blockSize, int seed)
    {
        if (blockSize <= 0 || blockSize % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "Block size l must be a positive multiple of 16.");
        TorchRuntime.EnsureInitialized();
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        return randn([blockSize, AttentionOptions.ProjectionCount], ScalarType.Float32, CPU, generator: generator);
    }

    /// <summary>
    /// The column permutation σ_b of every query block: a long tensor [B, H, ceil(Nq / l), d] whose row b lists the
    /// columns sorted by (inverse Gray code of the sign bits, column). A short last block counts only its valid rows.
    /// </summary>
    /// <param name="q">Queries [B, H, Nq, d] (any floating dtype; hashed in fp32).</param>
    /// <param name="r">Projection matrix [l, 16].</param>
    /// <param name="blockSize">l; must equal the rows of <paramref name="r"/>.</param>
    public static Tensor Permutations(Tensor q, Tensor r, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(r);
        AttentionInputs.CheckRank(q, nameof(q), "[B, H, Nq, d]");
        AttentionInputs.CheckDType(q, nameof(q), allowDouble: true);
        CheckProjection(r, blockSize);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var keys = GrayInverse(SignBits(q, r, blockSize));
        long d = q.shape[3];
        // Keys are distinct per (key, column) once the column breaks ties: one argsort does the lexicographic sort.
        var composite = keys * d + arange(d, ScalarType.Int64, q.device);
        return composite.argsort(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Step 1: bits_c = Σ_j [p_j &gt; 0]·2^j, p = Q_bᵀR in fp32; result [B, H, blocks, d] int64.</summary>
    internal static Tensor SignBits(Tensor q, Tensor r, int blockSize)
    {
        using var scope = NewDisposeScope();
        long b = q.shape[0], h = q.shape[1], n = q.shape[2], d = q.shape[3];
        long blocks = (n + blockSize - 1) / blockSize;
        var rows = nn.functional.pad(q.detach().to(ScalarType.Float32), [0, 0, 0, blocks * blockSize - n]);
        Tensor projected;
        // The sign bits are defined in float32 (docs/semantics.md step 1): no TF32 rounding of the projection on CUDA.
        bool tf32 = q.device_type == DeviceType.CUDA && backends.cuda.matmul.allow_tf32;
        if (tf32) backends.cuda.matmul.allow_tf32 = false;
        try
        {
            projected = rows.reshape(b, h, blocks, blockSize, d).transpose(-1, -2)
                .matmul(r.to(ScalarType.Float32, q.device)); // [B, H, blocks, d, 16]
        }
        finally
        {
            if (tf32) backends.cuda.matmul.allow_tf32 = true;
        }
        var powers = pow(2, arange(AttentionOptions.ProjectionCount, ScalarType.Int64, q.device));
        return projected.gt(0).to(ScalarType.Int64).mul(powers).sum(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Step 2: position of a 16-bit value in the reflected Gray sequence (x ^= x&gt;&gt;1, 2, 4, 8).</summary>
    internal static Tensor GrayInverse(Tensor bits)
    {
        using var scope = NewDisposeScope();
        var x = bits;
        foreach (int shift in new[] { 1, 2, 4, 8 })
            x = x.bitwise_xor(x.floor_divide(1L << shift));
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Checks R is [l, 16] with l = <paramref name="blockSize"/>.</summary>
    internal static void CheckProjection(Tensor r, int blockSize)
    {
        if (blockSize <= 0 || blockSize % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(blockSize), blockSize, "Block size l must be a positive multiple of 16.");
        if (r.dim() != 2 || r.shape[0] != blockSize || r.shape[1] != AttentionOptions.ProjectionCount)
            throw new ArgumentException(
                $"r must have shape [{blockSize}, {AttentionOptions.ProjectionCount}] (l, P), got [{string.Join(", ", r.shape)}].",
                nameof(r));
    }
}
