using System.Buffers.Binary;
using System.IO.Compression;

namespace DistrAttention.Tests.Sample;

/// <summary>Writes small IDX files (raw or gzip) for the importer tests.</summary>
internal static class IdxFiles
{
    public static byte[] Encode(int[] dims, byte[] data)
    {
        using var stream = new MemoryStream();
        stream.Write([0, 0, 0x08, (byte)dims.Length]);
        Span<byte> size = stackalloc byte[4];
        foreach (var d in dims)
        {
            BinaryPrimitives.WriteInt32BigEndian(size, d);
            stream.Write(size);
        }
        stream.Write(data);
        return stream.ToArray();
    }

    public static void Write(string path, int[] dims, byte[] data, bool gzip)
    {
        var bytes = Encode(dims, data);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return;
        }
        using var file = File.Create(path);
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    /// <summary>Images whose pixel (r, c) of item i is (i * 7 + r * 3 + c) mod 256, so every item differs.</summary>
    public static byte[] Pattern(int count, int rows, int cols)
    {
        var data = new byte[count * rows * cols];
        for (int i = 0; i < count; i++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    data[(i * rows + r) * cols + c] = (byte)((i * 7 + r * 3 + c) % 256);
        return data;
    }
}
