namespace DistrAttention.Vit.Distributed;

/// <summary>
/// Which rows of a data set a rank trains on in an epoch, as PyTorch's <c>DistributedSampler</c>: every rank draws the
/// same permutation (seeded by seed + epoch), pads it by repeating its start to a multiple of the world size (or, with
/// <c>dropLast</c>, cuts it to one), and takes every world-size-th row from its rank on. The shards of one epoch are
/// disjoint apart from the padding, their union is the epoch, and every rank has <see cref="ShardSize"/> rows, so the
/// ranks run the same number of steps.
/// </summary>
public sealed class DistributedSampler
{
    private readonly int datasetSize, rank, worldSize, seed;
    private readonly bool shuffle;

    /// <summary>Creates the sampler of one rank.</summary>
    /// <param name="datasetSize">Rows in the data set (at least 1).</param>
    /// <param name="rank">This rank, in [0, <paramref name="worldSize"/>).</param>
    /// <param name="worldSize">Number of ranks.</param>
    /// <param name="seed">Base seed; epoch e shuffles with seed + e.</param>
    /// <param name="shuffle">False keeps the data set's order (before sharding).</param>
    /// <param name="dropLast">Drop the tail that does not divide evenly instead of padding with repeated rows.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or rank is out of range; the exception names it.</exception>
    public DistributedSampler(int datasetSize, int rank, int worldSize, int seed, bool shuffle = true, bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(datasetSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        if (rank < 0 || rank >= worldSize)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, worldSize = {worldSize}).");
        if (dropLast && datasetSize < worldSize)
            throw new ArgumentOutOfRangeException(nameof(datasetSize), datasetSize,
                $"With dropLast, the data set needs at least one row per rank ({worldSize}).");
        this.datasetSize = datasetSize;
        this.rank = rank;
        this.worldSize = worldSize;
        this.seed = seed;
        this.shuffle = shuffle;
        ShardSize = dropLast ? datasetSize / worldSize : (datasetSize + worldSize - 1) / worldSize;
    }

    /// <summary>Rows each rank gets per epoch.</summary>
    public int ShardSize { get; }

    /// <summary>Rows all ranks get per epoch together (<see cref="ShardSize"/> × world size).</summary>
    public int TotalSize => ShardSize * worldSize;

    /// <summary>This rank's rows of epoch <paramref name="epoch"/> (0-based), in the order it trains on them.</summary>
    public int[] Indices(int epoch)
    {
        int[] order = Enumerable.Range(0, datasetSize).ToArray();
        if (shuffle)
            new Random(unchecked(seed + epoch)).Shuffle(order);
        var shard = new int[ShardSize];
        for (int i = 0; i < ShardSize; i++)
            shard[i] = order[(rank + i * worldSize) % datasetSize]; // positions past the end wrap: PyTorch's padding
        return shard;
    }
}
