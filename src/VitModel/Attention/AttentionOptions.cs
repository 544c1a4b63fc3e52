namespace DistrAttention.Vit.Attention;

/// <summary>Attention configuration shared by every block of a model (docs/semantics.md).</summary>
public sealed record AttentionOptions
{
    /// <summary>Number of LSH projections (N′ in the paper): fixed at 16.</summary>
    public const int ProjectionCount = 16;

    /// <summary>Group sizes DistrAttention supports.</summary>
    public static readonly IReadOnlyList<int> SupportedGroupSizes = [1, 2, 4, 8, 16];

    /// <summary>Exact attention or DistrAttention.</summary>
    public AttentionKind Kind { get; init; } = AttentionKind.DistrAttention;

    /// <summary>G: columns per group; 1 is exact attention. One of 1, 2, 4, 8, 16 and a divisor of the head dim.</summary>
    public int GroupSize { get; init; } = 2;

    /// <summary>l: query rows per LSH block; a positive multiple of 16.</summary>
    public int BlockSize { get; init; } = 64;

    /// <summary>Mean (default) or Sample representative of a group.</summary>
    public DistrAttentionMode Mode { get; init; } = DistrAttentionMode.Mean;

    /// <summary>Seed of the CPU generator that draws the projection matrix R [l, 16].</summary>
    public int Seed { get; init; } = 20250723;

    /// <summary>Causal mask: query i sees key j iff j ≤ i + Nk − Nq. Off for ViT.</summary>
    public bool Causal { get; init; }

    /// <summary>Reference, native kernel, or automatic choice.</summary>
    public AttentionImplementation Implementation { get; init; } = AttentionImplementation.Auto;

    /// <summary>Exact attention.</summary>
    public static AttentionOptions Exact { get; } = new() { Kind = AttentionKind.Exact, GroupSize = 1 };

    /// <summary>Checks the options against a head dimension.</summary>
    /// <exception cref="ArgumentOutOfRangeException">G, l or the head dim is unsupported; the message names it.</exception>
    public void Validate(int headDim)
    {
        if (headDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "Head dimension must be positive.");
        if (Kind == AttentionKind.Exact)
            return;
        if (!SupportedGroupSizes.Contains(GroupSize))
            throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize,
                "DistrAttention group size G must be one of 1, 2, 4, 8, 16.");
        if (headDim % GroupSize != 0)
            throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize,
                $"DistrAttention group size G must divide the head dimension d = {headDim}.");
        if (BlockSize <= 0 || BlockSize % 16 != 0)
            throw new ArgumentOutOfRangeException(nameof(BlockSize), BlockSize,
                "DistrAttention block size l must be a positive multiple of 16.");
    }
}
