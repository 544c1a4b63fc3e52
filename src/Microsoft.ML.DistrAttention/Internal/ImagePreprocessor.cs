using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Turns an <see cref="MLImage"/> into the model's channels (1: luma 0.299/0.587/0.114, 3: RGB) as planar CHW bytes,
/// at the image's own size (<see cref="ToPlanar"/>) or resized to ImageSize × ImageSize (<see cref="ToModelBytes(MLImage)"/>).
/// The batched device path (<see cref="BatchBuilder"/>) resizes the same planar bytes with the same bilinear rule,
/// so the two differ only by the final rounding to a byte. Thread-safe.
/// </summary>
internal sealed class ImagePreprocessor(int imageSize, int channels)
{
    public int ImageSize { get; } = imageSize;
    public int Channels { get; } = channels;
    public int ValuesPerImage => Channels * ImageSize * ImageSize;

    /// <summary>The image resized to the model size: channel conversion at the image's size, then bilinear resize.</summary>
    public byte[] ToModelBytes(MLImage image) => ToModelBytes(ToPlanar(image));

    /// <summary>Resizes planar bytes to ImageSize × ImageSize (a copy even when the size already matches).</summary>
    public byte[] ToModelBytes(PlanarImage image)
    {
        if (image.Channels != Channels)
            throw new ArgumentException($"The image has {image.Channels} channels, the model {Channels}.", nameof(image));
        if (image.Height == ImageSize && image.Width == ImageSize)
            return (byte[])image.Pixels.Clone();
        return Resize(image.Pixels, Channels, image.Height, image.Width, ImageSize, ImageSize);
    }

    /// <summary>The image's pixels in the model's channels, planar CHW, at the image's own size.</summary>
    public PlanarImage ToPlanar(MLImage image)
    {
        int w = image.Width, h = image.Height;
        if (w <= 0 || h <= 0)
            throw new InvalidDataException($"The image has no pixels ({w}×{h}).");
        // GetBGRPixels, not Pixels: MLImage.Pixels calls an SKBitmap method that SkiaSharp 3.x (brought in by
        // e.g. ScottPlot) no longer has, while GetBGRPixels uses API that SkiaSharp 2.88 and 3.x share.
        const int r = 2, g = 1, b = 0, bytesPerPixel = 3;
        ReadOnlySpan<byte> px = image.GetBGRPixels;
        int plane = h * w;
        var result = new byte[Channels * plane];
        for (int at = 0, p = 0; at < plane; at++, p += bytesPerPixel)
        {
            if (Channels == 1)
                result[at] = ToByte(0.299 * px[p + r] + 0.587 * px[p + g] + 0.114 * px[p + b]);
            else
            {
                result[at] = px[p + r];
                result[plane + at] = px[p + g];
                result[2 * plane + at] = px[p + b];
            }
        }
        return new PlanarImage(result, Channels, h, w);
    }

    /// <summary>
    /// Bilinear resize of planar bytes, sampling at pixel centres (align_corners = false, no antialiasing): the rule of
    /// <c>torch.nn.functional.interpolate(mode: bilinear)</c>, rounded to bytes.
    /// </summary>
    public static byte[] Resize(byte[] src, int channels, int h, int w, int outH, int outW)
    {
        var result = new byte[channels * outH * outW];
        int inPlane = h * w, outPlane = outH * outW;
        for (int oy = 0; oy < outH; oy++)
        {
            double sy = Math.Clamp((oy + 0.5) * h / outH - 0.5, 0, h - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int ox = 0; ox < outW; ox++)
            {
                double sx = Math.Clamp((ox + 0.5) * w / outW - 0.5, 0, w - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, w - 1);
                double fx = sx - x0;
                for (int c = 0; c < channels; c++)
                {
                    int o = c * inPlane;
                    double top = src[o + y0 * w + x0] * (1 - fx) + src[o + y0 * w + x1] * fx;
                    double bottom = src[o + y1 * w + x0] * (1 - fx) + src[o + y1 * w + x1] * fx;
                    result[c * outPlane + oy * outW + ox] = ToByte(top * (1 - fy) + bottom * fy);
                }
            }
        }
        return result;
    }

    private static byte ToByte(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
}
