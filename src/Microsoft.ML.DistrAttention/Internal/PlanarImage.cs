namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// One image as bytes in planar CHW order at its own size, already converted to the model's channels
/// (1: luma, 3: RGB). The unit the first pass decodes to, before the cache decides on one size.
/// </summary>
internal sealed record PlanarImage(byte[] Pixels, int Channels, int Height, int Width)
{
    public int ValuesPerImage => Channels * Height * Width;
}
