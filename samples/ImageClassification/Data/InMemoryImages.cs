using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace ImageClassification.Data;

/// <summary>
/// Grey images held in memory (an <see cref="IdxArray"/>) as an ML.NET data view with a text <c>Label</c> column and
/// an <c>Image</c> column of <see cref="MLImage"/>: the input the ViT trainer reads after <c>LoadImages</c>, without
/// image files. Each row's image is made when the cursor reaches it and disposed at the next row, as
/// <c>LoadImages</c> does, so a pass over 60,000 images holds one at a time.
/// </summary>
public static class InMemoryImages
{
    /// <summary>Column names of the view (those of the sample's pipeline).</summary>
    public const string LabelColumn = "Label", ImageColumn = "Image";

    /// <summary>The input row of the view.</summary>
    public sealed class Row
    {
        /// <summary>Class name.</summary>
        public string Label { get; set; } = "";

        /// <summary>The image (owned by the cursor: valid until the next row). The column's declared size is the data's.</summary>
        [ImageType(28, 28)]
        public MLImage? Image { get; set; }
    }

    /// <summary>A view of the images at <paramref name="rows"/> (indices into <paramref name="images"/>), in that order.</summary>
    /// <param name="ml">The ML.NET context.</param>
    /// <param name="images">Grey images, [count, rows, columns].</param>
    /// <param name="rows">Which images, in row order (may repeat or leave some out).</param>
    /// <param name="label">The class name of image i.</param>
    public static IDataView ToDataView(MLContext ml, IdxArray images, IReadOnlyList<int> rows, Func<int, string> label)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Dimensions.Count != 3)
            throw new ArgumentException($"Expected [count, rows, columns] images, got {images.Dimensions.Count} dimensions.", nameof(images));
        // The column type is the images' size: ML.NET makes getters only for image types registered with MLImage
        // (the attribute registers 28×28; an ImageTypeAttribute of another size registers that one).
        int height = images.Dimensions[1], width = images.Dimensions[2];
        new ImageTypeAttribute(height, width).Register();
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Image)].ColumnType = new ImageDataViewType(height, width);
        return ml.Data.LoadFromEnumerable(Enumerate(images, rows, label), schema);
    }

    /// <summary>Image <paramref name="index"/> as a BGRA <see cref="MLImage"/> with B = G = R = the grey value; the caller disposes it.</summary>
    public static MLImage ToImage(IdxArray images, int index)
    {
        var grey = images.Item(index);
        var bgra = new byte[grey.Length * 4];
        for (int p = 0; p < grey.Length; p++)
        {
            bgra[4 * p] = bgra[4 * p + 1] = bgra[4 * p + 2] = grey[p];
            bgra[4 * p + 3] = 255;
        }
        return MLImage.CreateFromPixels(images.Dimensions[2], images.Dimensions[1], MLPixelFormat.Bgra32, bgra);
    }

    /// <summary>
    /// <paramref name="model"/> without its <c>LoadImages</c> steps, so that it scores a view of this class (whose
    /// <c>Image</c> column already holds the images) instead of reading image files. Other steps keep their order.
    /// </summary>
    public static ITransformer WithoutImageLoading(ITransformer model)
    {
        var steps = Flatten(model).Where(t => t is not ImageLoadingTransformer).ToArray();
        return new TransformerChain<ITransformer>(steps);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer model) =>
        model is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [model];

    private static IEnumerable<Row> Enumerate(IdxArray images, IReadOnlyList<int> rows, Func<int, string> label)
    {
        foreach (int index in rows)
        {
            var row = new Row { Label = label(index), Image = ToImage(images, index) };
            try
            {
                yield return row;
            }
            finally
            {
                row.Image.Dispose();
            }
        }
    }
}
