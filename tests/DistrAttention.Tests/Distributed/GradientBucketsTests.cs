using DistrAttention.Vit.Distributed;

namespace DistrAttention.Tests.Distributed;

/// <summary><see cref="GradientBuckets"/>: consecutive slices of at most the bucket size that cover the buffer once.</summary>
public class GradientBucketsTests
{
    [Theory]
    [InlineData(0, 4, 100)]
    [InlineData(1, 4, 4)]
    [InlineData(25, 4, 100)]
    [InlineData(26, 4, 100)]
    [InlineData(103, 4, 40)]
    [InlineData(86_000_000, 4, 25 * 1024 * 1024)] // ViT-B's gradients in DDP's 25 MiB buckets
    public void BucketsCoverTheBufferInOrderWithinTheSize(long elements, int elementSize, long bucketBytes)
    {
        var buckets = GradientBuckets.Plan(elements, elementSize, bucketBytes);
        long next = 0;
        foreach (var b in buckets)
        {
            Assert.Equal(next, b.Offset);
            Assert.InRange(b.Count * elementSize, 1, bucketBytes);
            next += b.Count;
        }
        Assert.Equal(elements, next);
        Assert.Equal((elements * elementSize + bucketBytes - 1) / bucketBytes, buckets.Count); // all full but the last
    }

    [Fact]
    public void ABucketSmallerThanOneElementIsRejected()
    {
        Assert.Equal("bucketBytes", Assert.Throws<ArgumentOutOfRangeException>(() => GradientBuckets.Plan(10, 4, 3)).ParamName);
        Assert.Equal("elements", Assert.Throws<ArgumentOutOfRangeException>(() => GradientBuckets.Plan(-1, 4, 8)).ParamName);
    }
}
