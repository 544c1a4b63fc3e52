using System.Buffers.Binary;
using System.IO.Compression;

namespace ImageClassification.Data;

/// <summary>
/// Reads IDX files (http://yann.lecun.com/exdb/mnist/ format): a 4-byte magic
/// <c>00 00 type rank</c>, <c>rank</c> big-endian int32 sizes, then the data.
/// Gzip-compressed files are recognised by their magic bytes, not their name.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an IDX file of unsigned bytes, raw or gzip-compressed.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an unsigned-byte IDX file or is truncated.</exception>
    public static IdxArray Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = File.OpenRead(path);
        try
        {
            return Read(file);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads an IDX stream of unsigned bytes, raw or gzip-compressed.</summary>
    public static IdxArray Read(Stream stream)
    {
        using var data = OpenDecompressed(stream);
        Span<byte> header = stackalloc byte[4];
        ReadExactly(data, header, "header");
        if (header[0] != 0 || header[1] != 0)
            throw new InvalidDataException("not an IDX file (the first two bytes must be zero).");
        if (header[2] != UnsignedByteType)
            throw new InvalidDataException($"IDX element type 0x{header[2]:X2} is not supported (expected 0x08, unsigned byte).");
        int rank = header[3];
        if (rank == 0)
            throw new InvalidDataException("IDX rank is 0.");

        var dims = new int[rank];
        Span<byte> size = stackalloc byte[4];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            ReadExactly(data, size, $"size of dimension {i}");
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(size);
            if (dims[i] < 0)
                throw new InvalidDataException($"IDX dimension {i} has negative size {dims[i]}.");
            total *= dims[i];
        }
        if (total > Array.MaxLength)
            throw new InvalidDataException($"IDX data of {total} bytes is too large.");

        var values = new byte[total];
        ReadExactly(data, values, "data");
        return new IdxArray(dims, values);
    }

    // Gzip is detected by content so that renamed or decompressed files both work.
    // The input is copied to memory first (Fashion-MNIST is 26 MB compressed) so any stream can be peeked.
    private static Stream OpenDecompressed(Stream stream)
    {
        var memory = new MemoryStream();
        stream.CopyTo(memory);
        memory.Position = 0;
        var bytes = memory.GetBuffer();
        if (memory.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B)
            return new GZipStream(memory, CompressionMode.Decompress);
        return memory;
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string what)
    {
        try
        {
            s.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"IDX file is truncated while reading the {what}.");
        }
    }
}
