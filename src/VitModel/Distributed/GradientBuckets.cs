namespace DistrAttention.Vit.Distributed;

/// <summary>One slice of a flat buffer: elements [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Count"/>).</summary>
/// <param name="Offset">First element.</param>
/// <param name="Count">Number of elements.</param>
public readonly record struct GradientBucket(long Offset, long Count);

/// <summary>Cuts a flat gradient buffer into consecutive all-reduce buckets of at most a given size.</summary>
public static class GradientBuckets
{
    /// <summary>
    /// Consecutive slices covering [0, <paramref name="elements"/>), each of at most <paramref name="bucketBytes"/>
    /// bytes (the last one may be smaller); none for an empty buffer.
    /// </summary>
    /// <param name="elements">Elements in the buffer.</param>
    /// <param name="elementSize">Bytes per element (4 for float32).</param>
    /// <param name="bucketBytes">Largest bucket in bytes; at least one element.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range; the exception names it.</exception>
    public static IReadOnlyList<GradientBucket> Plan(long elements, int elementSize, long bucketBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        ArgumentOutOfRangeException.ThrowIfLessThan(elementSize, 1);
        if (bucketBytes < elementSize)
            throw new ArgumentOutOfRangeException(nameof(bucketBytes), bucketBytes, $"bucketBytes must hold at least one element ({elementSize} bytes).");
        long perBucket = bucketBytes / elementSize;
        var buckets = new List<GradientBucket>((int)Math.Min(int.MaxValue, (elements + perBucket - 1) / perBucket));
        for (long offset = 0; offset < elements; offset += perBucket)
            buckets.Add(new GradientBucket(offset, Math.Min(perBucket, elements - offset)));
        return buckets;
    }
}
