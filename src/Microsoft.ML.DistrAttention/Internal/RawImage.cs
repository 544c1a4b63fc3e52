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

    private RawImage(string column, string row, MLImage? image, byte[]? encoded)
    {
        Column = column;
        Row = row;
        this.image = image;
        this.encoded = encoded;
    }

    /// <summary>The column name, for error messages.</summary>
    public string Column { get; }

    /// <summary>The row (its position or id), for error messages.</summary>
    public string Row { get; }

    /// <summary>Whether decoding costs real work (an encoded image) rather than a pixel conversion.</summary>
    public bool IsEncoded => encoded is not null;

    public static RawImage FromImage(string column, string row, MLImage? image) =>
        new(column, row, image ?? throw new InvalidDataException($"Image column '{column}', row {row}: the image is missing (null)."), null);

    public static RawImage FromEncoded(string column, string row, byte[] encoded) =>
        encoded.Length == 0
            ? throw new InvalidDataException($"Image column '{column}', row {row}: the image bytes are empty.")
            : new(column, row, null, encoded);

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
                $"Image column '{Column}', row {Row}: the {encoded!.Length} bytes are not a decodable image (PNG, JPEG, BMP, GIF, WEBP): {e.Message}", e);
        }
        using (decoded)
            return preprocessor.ToPlanar(decoded);
    }
}
