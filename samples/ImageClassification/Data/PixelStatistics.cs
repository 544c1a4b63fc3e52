using Microsoft.ML.Data;

namespace ImageClassification.Data;

/// <summary>Per-channel mean and standard deviation of pixel values in [0, 1], measured on a set of images.</summary>
public static class PixelStatistics
{
    /// <summary>
    /// Measures up to <paramref name="maxImages"/> images (spread evenly over the list). One channel means luma
    /// (0.299 R + 0.587 G + 0.114 B, as the trainer converts); three mean R, G, B.
    /// </summary>
    public static (float[] Mean, float[] Std) Measure(LabeledImageSet rows, int channels, int maxImages = 1000)
    {
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1 or 3.");
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
            throw new ArgumentException("No images to measure.", nameof(rows));
        var sum = new double[channels];
        var sumSq = new double[channels];
        long count = 0;
        int step = Math.Max(1, rows.Count / maxImages);
        for (int i = 0; i < rows.Count; i += step)
        {
            using var image = rows.OpenImage(i);
            // GetBGRPixels works with SkiaSharp 2.88 and 3.x; MLImage.Pixels does not (see the sample README).
            var bgr = image.GetBGRPixels;
            for (int p = 0; p + 2 < bgr.Length; p += 3)
            {
                double b = bgr[p] / 255.0, g = bgr[p + 1] / 255.0, r = bgr[p + 2] / 255.0;
                if (channels == 1)
                    Add(0, 0.299 * r + 0.587 * g + 0.114 * b);
                else
                {
                    Add(0, r);
                    Add(1, g);
                    Add(2, b);
                }
            }
            count += bgr.Length / 3;
        }
        var mean = new float[channels];
        var std = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / count;
            mean[c] = (float)m;
            // A blank data set would give 0; keep the division defined.
            std[c] = (float)Math.Max(1e-3, Math.Sqrt(Math.Max(0, sumSq[c] / count - m * m)));
        }
        return (mean, std);

        void Add(int c, double v)
        {
            sum[c] += v;
            sumSq[c] += v * v;
        }
    }
}
