using Microsoft.ML.DistrAttention.Internal;

namespace DistrAttention.Tests.Trainer;

public class ImagePreprocessorTests
{
    // 2×2 image, BGRA bytes: (R, G, B) = (10, 20, 30), (40, 50, 60) / (70, 80, 90), (200, 150, 100).
    private static readonly (byte R, byte G, byte B)[] Colours = [(10, 20, 30), (40, 50, 60), (70, 80, 90), (200, 150, 100)];

    private static MLImage TwoByTwo()
    {
        var bgra = Colours.SelectMany(c => new[] { c.B, c.G, c.R, (byte)255 }).ToArray();
        return MLImage.CreateFromPixels(2, 2, MLPixelFormat.Bgra32, bgra);
    }

    [Fact]
    public void SameSizeRgbKeepsEveryChannelInPlanarOrder()
    {
        using var image = TwoByTwo();
        byte[] chw = new ImagePreprocessor(2, 3).ToModelBytes(image);
        Assert.Equal(Colours.Select(c => c.R), chw[0..4]);
        Assert.Equal(Colours.Select(c => c.G), chw[4..8]);
        Assert.Equal(Colours.Select(c => c.B), chw[8..12]);
    }

    [Fact]
    public void GreyIsTheLumaOfEachPixel()
    {
        using var image = TwoByTwo();
        byte[] grey = new ImagePreprocessor(2, 1).ToModelBytes(image);
        var expected = Colours.Select(c => (byte)Math.Round(0.299 * c.R + 0.587 * c.G + 0.114 * c.B));
        Assert.Equal(expected, grey);
    }

    [Fact]
    public void UpscalingInterpolatesBetweenNeighbours()
    {
        using var image = TwoByTwo();
        byte[] red = new ImagePreprocessor(4, 3).ToModelBytes(image)[0..16];
        Assert.Equal(10, red[0]);                  // corners keep the source pixels
        Assert.Equal(200, red[15]);
        Assert.InRange(red[5], 11, 199);           // inner pixels lie strictly between
        // Pixel-centre sampling (align_corners = false): x = -0.25, 0.25, 0.75, 1.25 → 10, 17.5, 32.5, 40 (round to even).
        Assert.Equal(new byte[] { 10, 18, 32, 40 }, red[0..4]);
    }
}
