using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Finds and reads the image column: <see cref="MLImage"/> values or bytes of an encoded image.</summary>
internal static class ImageColumn
{
    private const string Expected =
        "expected a column of type Image (MLImage, e.g. from LoadImages) or a vector of Byte holding an encoded image (PNG, JPEG, …)";

    /// <summary>Whether a column type can be read as an image.</summary>
    public static bool IsSupported(DataViewType type) =>
        type is ImageDataViewType || (type is VectorDataViewType v && v.ItemType == NumberDataViewType.Byte);

    /// <summary>The image column of a schema; throws naming the column and the expected type.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentException($"Image column '{name}' was not found in the input; {Expected}.", nameof(schema));
        if (!IsSupported(column.Type))
            throw new ArgumentException($"Image column '{name}' has type {column.Type}; {Expected}.", nameof(schema));
        return column;
    }

    /// <summary>Same check on an estimator's schema shape.</summary>
    public static void Check(SchemaShape shape, string name)
    {
        if (!SchemaShapes.TryFind(shape, name, out var column))
            throw new ArgumentException($"Image column '{name}' was not found in the input; {Expected}.", "inputSchema");
        bool ok = column.ItemType is ImageDataViewType
            || (column.Kind != SchemaShape.Column.VectorKind.Scalar && column.ItemType == NumberDataViewType.Byte);
        if (!ok)
            throw new ArgumentException($"Image column '{name}' has type {column.ItemType} ({column.Kind}); {Expected}.", "inputSchema");
    }

    /// <summary>A reader that returns the current row's image as model-ready bytes (CHW, resized, channel-converted).</summary>
    public static Func<byte[]> CreateReader(DataViewRow row, DataViewSchema.Column column, ImagePreprocessor preprocessor)
    {
        var read = CreateRawReader(row, column);
        return () => preprocessor.ToModelBytes(read().Decode(preprocessor));
    }

    /// <summary>
    /// A reader that returns the current row's image undecoded. <paramref name="rowName"/> names the row in error
    /// messages (default: its position in the cursor); when the row has an active path column
    /// (<see cref="ImagePathColumn"/>), messages name the file too. A load failure of an <see cref="MLImage"/> column
    /// (e.g. <c>LoadImages</c> on a corrupt or empty file) becomes an <see cref="InvalidDataException"/>.
    /// </summary>
    public static Func<RawImage> CreateRawReader(DataViewRow row, DataViewSchema.Column column, Func<string>? rowName = null)
    {
        string name = column.Name;
        rowName ??= () => row.Position.ToString();
        var readPath = ImagePathColumn.CreateGetter(row, column);
        string Where(string? file) => RawImage.Describe(name, rowName(), file);
        if (column.Type is ImageDataViewType)
        {
            // One variable for every read, as before: LoadImages disposes the previous image when it loads the next.
            var getter = row.GetGetter<MLImage>(column);
            MLImage image = null!;
            return () =>
            {
                string? file = readPath?.Invoke();
                try
                {
                    getter(ref image);
                }
                catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
                {
                    throw new InvalidDataException($"{Where(file)}: the image cannot be loaded (corrupt, empty or not an image): {e.Message}", e);
                }
                return RawImage.FromImage(Where(file), image, file);
            };
        }

        var bytesGetter = row.GetGetter<VBuffer<byte>>(column);
        var buffer = default(VBuffer<byte>);
        return () =>
        {
            string? file = readPath?.Invoke();
            try
            {
                bytesGetter(ref buffer);
            }
            catch (Exception e) when (e is not OutOfMemoryException and not InvalidDataException)
            {
                throw new InvalidDataException($"{Where(file)}: the image bytes cannot be read: {e.Message}", e);
            }
            return RawImage.FromEncoded(Where(file), buffer.DenseValues().ToArray());
        };
    }
}
