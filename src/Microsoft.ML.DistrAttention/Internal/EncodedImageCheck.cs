namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Detects truncated PNG and JPEG files, which decoders accept silently (the missing rows decode black): a PNG must
/// hold its IEND chunk and a JPEG its end-of-image marker (FF D9) near the end. Other formats are not checked here.
/// </summary>
internal static class EncodedImageCheck
{
    // How far from the end the end marker is looked for (some writers pad after it).
    private const int TailLength = 1024;
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static ReadOnlySpan<byte> PngEnd => "IEND"u8;
    private static ReadOnlySpan<byte> JpegEnd => [0xFF, 0xD9];

    /// <summary>Why the encoded image is truncated, or null when it is complete or of an unchecked format.</summary>
    public static string? Truncation(ReadOnlySpan<byte> encoded) =>
        Truncation(encoded, encoded[Math.Max(0, encoded.Length - TailLength)..], encoded.Length);

    /// <summary>Same check on a file, reading only its start and end; null when the file cannot be read.</summary>
    public static string? FileTruncation(string path)
    {
        try
        {
            using var file = File.OpenRead(path);
            long length = file.Length;
            var head = new byte[(int)Math.Min(length, 8)];
            file.ReadExactly(head);
            int tailLength = (int)Math.Min(length, TailLength);
            file.Position = length - tailLength;
            var tail = new byte[tailLength];
            file.ReadExactly(tail);
            if (length == 0) return "the file is empty (0 bytes)";
            return Truncation(head, tail, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    private static string? Truncation(ReadOnlySpan<byte> head, ReadOnlySpan<byte> tail, long length)
    {
        if (head.StartsWith(PngSignature))
            return tail.LastIndexOf(PngEnd) >= 0 ? null
                : $"the PNG is truncated: its {length} bytes end without an IEND chunk";
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
            return tail.LastIndexOf(JpegEnd) >= 0 ? null
                : $"the JPEG is truncated: its {length} bytes end without an end-of-image marker (FF D9)";
        return null;
    }
}
