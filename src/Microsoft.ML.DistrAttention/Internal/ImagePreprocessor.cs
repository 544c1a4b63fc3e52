using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Turns an <see cref="MLImage"/> into the model's input layout: bytes in CHW order at ImageSize × ImageSize,
/// with 1 (luma) or 3 (RGB) channels. Kept as bytes so a training set caches at 1 byte per value.
/// </summary>
internal sealed class ImagePreprocessor(int imageSize, int channels)
{
    public int ImageSize { get; } = imageSize;
    public int Channels { get; } = channels;
    public int ValuesPerImage => Channels * ImageSize * ImageSize;

    public byte[] ToModelBytes(MLImage image)
    {
        int w = image.Width, h = image.Height;
        if (w <= 0 || h <= 0)
            throw new InvalidDataException($"The image has no pixels ({w}×{h}).");
        // GetBGRPixels, not Pixels: MLImage.Pixels calls an SKBitmap method that SkiaSharp 3.x (brought in by
        // e.g. ScottPlot) no longer has, while GetBGRPixels uses API that SkiaSharp 2.88 and 3.x share.
        const int r = 2, g = 1, b = 0, bytesPerPixel = 3;
        ReadOnlySpan<byte> px = image.GetBGRPixels;
        int stride = bytesPerPixel * w;
        int s = ImageSize, plane = s * s;
        var result = new byte[ValuesPerImage];
        for (int oy = 0; oy < s; oy++)
        {
            // Bilinear sampling at pixel centres (align_corners = false); the identity when sizes agree.
            double sy = Math.Clamp((oy + 0.5) * h / s - 0.5, 0, h - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int ox = 0; ox < s; ox++)
            {
                double sx = Math.Clamp((ox + 0.5) * w / s - 0.5, 0, w - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, w - 1);
                double fx = sx - x0;
                int p00 = y0 * stride + x0 * bytesPerPixel, p01 = y0 * stride + x1 * bytesPerPixel,
                    p10 = y1 * stride + x0 * bytesPerPixel, p11 = y1 * stride + x1 * bytesPerPixel;
                int at = oy * s + ox;
                double vr = Bilinear(px, p00 + r, p01 + r, p10 + r, p11 + r, fx, fy);
                double vg = Bilinear(px, p00 + g, p01 + g, p10 + g, p11 + g, fx, fy);
                double vb = Bilinear(px, p00 + b, p01 + b, p10 + b, p11 + b, fx, fy);
                if (Channels == 1)
                    result[at] = ToByte(0.299 * vr + 0.587 * vg + 0.114 * vb);
                else
                {
                    result[at] = ToByte(vr);
                    result[plane + at] = ToByte(vg);
                    result[2 * plane + at] = ToByte(vb);
                }
            }
        }
        return result;
    }

    private static double Bilinear(ReadOnlySpan<byte> px, int i00, int i01, int i10, int i11, double fx, double fy) =>
        (px[i00] * (1 - fx) + px[i01] * fx) * (1 - fy) + (px[i10] * (1 - fx) + px[i11] * fx) * fy;

    private static byte ToByte(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
}
