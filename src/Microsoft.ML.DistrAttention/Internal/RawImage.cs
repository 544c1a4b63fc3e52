using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// One row's image as read from the column, not yet converted: an <see cref="MLImage"/> or the bytes of an encoded
/// image. <see cref="Decode"/> is thread-safe, so a reader can collect encoded bytes and decode them in parallel.
/// An <see cref="MLImage"/> belongs to the cursor (LoadImages disposes it on the next read): decode it before that.
/// </summary>
internal sealed class RawImage
{
    private readonly MLImage? image;
    private readonly byte[]? encoded;

    private RawImage(string where, MLImage? image, byte[]? encoded)
    {
        Where = where;
        this.image = image;
        this.encoded = encoded;
    }

    /// <summary>Where the image comes from, for error messages: <c>Image column 'X', row N[, file 'p']</c>.</summary>
    public string Where { get; }

    /// <summary>Whether decoding costs real work (an encoded image) rather than a pixel conversion.</summary>
    public bool IsEncoded => encoded is not null;

    /// <summary>The prefix of error messages about one row's image.</summary>
    public static string Describe(string column, string row, string? file) =>
        file is null ? $"Image column '{column}', row {row}" : $"Image column '{column}', row {row}, file '{file}'";

    /// <summary>A decoded image. When <paramref name="file"/> is given and can be read, it is checked for truncation.</summary>
    public static RawImage FromImage(string where, MLImage? image, string? file = null)
    {
        if (image is null)
            throw new InvalidDataException($"{where}: the image is missing (null).");
        if (file is not null && EncodedImageCheck.FileTruncation(file) is { } problem)
            throw new InvalidDataException($"{where}: {problem}.");
        return new(where, image, null);
    }

    /// <summary>The bytes of an encoded image; empty or truncated (PNG, JPEG) bytes are rejected here.</summary>
    public static RawImage FromEncoded(string where, byte[] encoded)
    {
        if (encoded.Length == 0)
            throw new InvalidDataException($"{where}: the image bytes are empty.");
        if (EncodedImageCheck.Truncation(encoded) is { } problem)
            throw new InvalidDataException($"{where}: {problem}.");
        return new(where, null, encoded);
    }

    /// <summary>The pixels in the preprocessor's channels at the image's own size.</summary>
    public PlanarImage Decode(ImagePreprocessor preprocessor)
    {
        if (image is not null)
            return preprocessor.ToPlanar(image);
        MLImage decoded;
        try
        {
            decoded = MLImage.CreateFromStream(new MemoryStream(encoded!, writable: false));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException(
                $"{Where}: the {encoded!.Length} bytes are not a decodable image (PNG, JPEG, BMP, GIF, WEBP): {e.Message}", e);
        }
        using (decoded)
            return preprocessor.ToPlanar(decoded);
    }
}
