using System.Buffers.Binary;
using System.IO.Compression;

namespace ImageClassification.Data;

/// <summary>Writes unsigned-byte IDX files (the format <see cref="IdxReader"/> reads), gzip-compressed or raw.</summary>
public static class IdxWriter
{
    /// <summary>The IDX bytes of <paramref name="data"/>: the magic <c>00 00 08 rank</c>, the big-endian sizes, the data.</summary>
    /// <exception cref="ArgumentException">The data length is not the product of the dimensions.</exception>
    public static byte[] Encode(IReadOnlyList<int> dimensions, ReadOnlySpan<byte> data)
    {
        long total = dimensions.Aggregate(1L, (a, d) => a * d);
        if (dimensions.Count is 0 or > 255 || dimensions.Any(d => d < 0) || total != data.Length)
            throw new ArgumentException($"{data.Length} bytes do not fill dimensions [{string.Join(", ", dimensions)}].", nameof(data));
        var bytes = new byte[4 + 4 * dimensions.Count + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dimensions.Count;
        for (int i = 0; i < dimensions.Count; i++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dimensions[i]);
        data.CopyTo(bytes.AsSpan(4 + 4 * dimensions.Count));
        return bytes;
    }

    /// <summary>Writes <paramref name="data"/> with the given dimensions to <paramref name="path"/>, gzip-compressed unless <paramref name="gzip"/> is false.</summary>
    /// <exception cref="ArgumentException">The data length is not the product of the dimensions.</exception>
    public static void Write(string path, IReadOnlyList<int> dimensions, ReadOnlySpan<byte> data, bool gzip = true)
    {
        var bytes = Encode(dimensions, data);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.SmallestSize);
        zip.Write(bytes);
    }
}
