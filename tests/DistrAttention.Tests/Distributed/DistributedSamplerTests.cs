using DistrAttention.Vit.Distributed;

namespace DistrAttention.Tests.Distributed;

/// <summary><see cref="DistributedSampler"/>: disjoint shards whose union is the epoch, equal sizes, PyTorch's padding and cut.</summary>
public class DistributedSamplerTests
{
    [Theory]
    [InlineData(12, 2)]
    [InlineData(12, 3)]
    [InlineData(10, 4)]
    [InlineData(7, 3)]
    [InlineData(1, 2)]
    [InlineData(5, 8)]
    public void ShardsAreEqualSizedAndCoverTheEpochPaddingWithItsStart(int size, int world)
    {
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var shards = Enumerable.Range(0, world).Select(r => new DistributedSampler(size, r, world, seed: 9).Indices(epoch)).ToList();
            int shardSize = (size + world - 1) / world;
            Assert.All(shards, s => Assert.Equal(shardSize, s.Length));
            // Interleaved back, the shards are one permutation of the data set followed by its first rows again.
            var joined = Enumerable.Range(0, shardSize * world).Select(i => shards[i % world][i / world]).ToList();
            Assert.Equal(Enumerable.Range(0, size), joined.Take(size).Order());
            Assert.Equal(Enumerable.Range(0, shardSize * world - size).Select(i => joined[i % size]), joined.Skip(size));
        }
    }

    [Fact]
    public void WithoutPaddingShardsAreDisjoint()
    {
        var shards = Enumerable.Range(0, 4).Select(r => new DistributedSampler(100, r, 4, seed: 1).Indices(0)).ToList();
        Assert.Equal(100, shards.SelectMany(s => s).Distinct().Count());
    }

    [Fact]
    public void DropLastCutsTheTailInsteadOfPadding()
    {
        var shards = Enumerable.Range(0, 3).Select(r => new DistributedSampler(10, r, 3, seed: 4, dropLast: true)).ToList();
        Assert.All(shards, s => Assert.Equal(3, s.ShardSize));
        var rows = shards.SelectMany(s => s.Indices(2)).ToList();
        Assert.Equal(9, rows.Count);
        Assert.Equal(9, rows.Distinct().Count());
    }

    [Fact]
    public void EachEpochHasItsOwnShuffleAndEveryRankTheSame()
    {
        var a = new DistributedSampler(50, 0, 2, seed: 3);
        var b = new DistributedSampler(50, 0, 2, seed: 3);
        Assert.Equal(a.Indices(1), b.Indices(1));   // same seed and epoch: same shard (another process computes the same)
        Assert.NotEqual(a.Indices(0), a.Indices(1)); // a new permutation each epoch
        Assert.NotEqual(a.Indices(0), new DistributedSampler(50, 0, 2, seed: 4).Indices(0));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => 2 * i + 1), new DistributedSampler(50, 1, 2, seed: 3, shuffle: false).Indices(0));
    }

    [Fact]
    public void BadArgumentsNameTheParameter()
    {
        Assert.Equal("rank", Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 2, 2, 0)).ParamName);
        Assert.Equal("datasetSize", Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(0, 0, 2, 0)).ParamName);
        Assert.Equal("worldSize", Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 0, 0, 0)).ParamName);
        Assert.Equal("datasetSize", Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(1, 0, 2, 0, dropLast: true)).ParamName);
    }
}
