using Microsoft.ML.DistrAttention.Internal;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Data;

/// <summary>
/// The input pipeline written out per image and per pixel in doubles: bilinear resize at pixel centres, the shift
/// with black fill and mirror of the former C# loop, then (x / 255 − mean) / std. The oracle of the batched tensor path.
/// </summary>
internal static class PipelineReference
{
    /// <summary>Seeded random bytes in [1, 255] (0 is the crop's fill, so it never occurs in an image).</summary>
    public static byte[] RandomBytes(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[count];
        for (int i = 0; i < count; i++) bytes[i] = (byte)random.Next(1, 256);
        return bytes;
    }

    public static Tensor ByteTensor(byte[] bytes, int n, int c, int h, int w) => torch.tensor(bytes, [n, c, h, w]);

    /// <summary>Model input of image <paramref name="i"/> of <paramref name="bytes"/> [N, C, H, W], as [C, S, S].</summary>
    public static double[,,] Image(byte[] bytes, int i, int c, int h, int w, int size, float[] mean, float[] std,
        int dx = 0, int dy = 0, bool flip = false)
    {
        var resized = new double[c, size, size];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    resized[ch, y, x] = Bilinear(bytes, ((long)i * c + ch) * h * w, h, w, size, y, x);
        var result = new double[c, size, size];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    int sy = y + dy, sx = (flip ? size - 1 - x : x) + dx;
                    double v = sy < 0 || sy >= size || sx < 0 || sx >= size ? 0 : resized[ch, sy, sx];
                    result[ch, y, x] = (v / 255.0 - mean[ch]) / std[ch];
                }
        return result;
    }

    private static double Bilinear(byte[] b, long o, int h, int w, int size, int oy, int ox)
    {
        if (h == size && w == size) return b[o + oy * w + ox];
        double sy = Math.Clamp((oy + 0.5) * h / size - 0.5, 0, h - 1), sx = Math.Clamp((ox + 0.5) * w / size - 0.5, 0, w - 1);
        int y0 = (int)sy, x0 = (int)sx, y1 = Math.Min(y0 + 1, h - 1), x1 = Math.Min(x0 + 1, w - 1);
        double fy = sy - y0, fx = sx - x0;
        double top = b[o + y0 * w + x0] * (1 - fx) + b[o + y0 * w + x1] * fx;
        double bottom = b[o + y1 * w + x0] * (1 - fx) + b[o + y1 * w + x1] * fx;
        return top * (1 - fy) + bottom * fy;
    }

    /// <summary>Largest |batch − reference| over image <paramref name="i"/> of a float batch [B, C, S, S].</summary>
    public static double MaxDifference(float[] batch, int i, double[,,] reference)
    {
        int c = reference.GetLength(0), s = reference.GetLength(1);
        double worst = 0;
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                    worst = Math.Max(worst, Math.Abs(batch[((i * c + ch) * s + y) * s + x] - reference[ch, y, x]));
        return worst;
    }

    /// <summary>Same shape and every element equal.</summary>
    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    public static float[] ToArray(Tensor t) => t.cpu().data<float>().ToArray();
}
