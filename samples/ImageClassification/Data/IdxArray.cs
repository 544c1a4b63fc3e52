namespace ImageClassification.Data;

/// <summary>An unsigned-byte tensor read from an IDX file (the MNIST / Fashion-MNIST format).</summary>
/// <param name="Dimensions">Sizes of each dimension, outermost first (e.g. [count, 28, 28]).</param>
/// <param name="Data">The values in row-major order.</param>
public sealed record IdxArray(IReadOnlyList<int> Dimensions, byte[] Data)
{
    /// <summary>Number of items along the first dimension.</summary>
    public int Count => Dimensions[0];

    /// <summary>Number of values in one item (the product of the inner dimensions).</summary>
    public int ItemLength => Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);

    /// <summary>The values of item <paramref name="index"/> (a view, not a copy).</summary>
    public ReadOnlySpan<byte> Item(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Data.AsSpan(index * ItemLength, ItemLength);
    }
}
