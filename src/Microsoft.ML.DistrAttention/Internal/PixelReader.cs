using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Reads an <see cref="MLImage"/>'s 32-bit pixels. <c>MLImage.Pixels</c> calls <c>SKBitmap.GetPixelSpan()</c> of
/// SkiaSharp 2.88, which SkiaSharp 3.x (pulled in by e.g. ScottPlot) no longer has; when that call is missing, the
/// pixels are read through the image's SKBitmap with API that both versions share.
/// </summary>
internal static class PixelReader
{
    private static readonly FieldInfo? BitmapField =
        typeof(MLImage).GetField("_image", BindingFlags.Instance | BindingFlags.NonPublic);
    private static volatile bool pixelsPropertyBroken;

    /// <summary>The pixels (Width × Height × 4 bytes, rows packed) in <see cref="MLImage.PixelFormat"/> order.</summary>
    public static byte[] Read(MLImage image)
    {
        if (!pixelsPropertyBroken)
        {
            try
            {
                return ReadThroughProperty(image);
            }
            catch (MissingMethodException) when (BitmapField is not null)
            {
                pixelsPropertyBroken = true;
            }
        }
        return ReadThroughBitmap(image);
    }

    private static byte[] ReadThroughProperty(MLImage image) => image.Pixels.ToArray();

    private static byte[] ReadThroughBitmap(MLImage image)
    {
        var bitmap = BitmapField!.GetValue(image) as SKBitmap
            ?? throw new ObjectDisposedException(nameof(MLImage), "The image has been disposed.");
        int rowBytes = image.Width * 4;
        var pixels = new byte[rowBytes * image.Height];
        IntPtr source = bitmap.GetPixels();
        if (source == IntPtr.Zero)
            throw new InvalidDataException("The image has no pixel data.");
        for (int y = 0; y < image.Height; y++)
            Marshal.Copy(source + y * bitmap.RowBytes, pixels, y * rowBytes, rowBytes);
        return pixels;
    }
}
