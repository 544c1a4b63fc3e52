using ImageClassification.Data;
using Xunit;

namespace DistrAttention.Tests.Sample;

public sealed class PixelStatisticsTests
{
    [Fact]
    public void BlackAndWhiteImagesHaveMeanAndStdOneHalf()
    {
        using var temp = new TempFolder();
        var black = temp.Combine("black.png");
        var white = temp.Combine("white.png");
        GreyPng.Write(black, new byte[16], 4, 4);
        GreyPng.Write(white, Enumerable.Repeat((byte)255, 16).ToArray(), 4, 4);
        ImageRow[] rows = [new() { ImagePath = black, Label = "a" }, new() { ImagePath = white, Label = "a" }];

        var (mean, std) = PixelStatistics.Measure(rows, channels: 1);
        Assert.Equal(0.5f, mean[0], 3);
        Assert.Equal(0.5f, std[0], 3);

        var (mean3, std3) = PixelStatistics.Measure(rows, channels: 3);
        Assert.Equal(3, mean3.Length);
        Assert.All(mean3, m => Assert.Equal(0.5f, m, 3));
        Assert.All(std3, s => Assert.Equal(0.5f, s, 3));
    }

    [Fact]
    public void ConstantImageGetsAPositiveStd()
    {
        using var temp = new TempFolder();
        var grey = temp.Combine("grey.png");
        GreyPng.Write(grey, Enumerable.Repeat((byte)51, 16).ToArray(), 4, 4);
        var (mean, std) = PixelStatistics.Measure([new ImageRow { ImagePath = grey, Label = "a" }], 1);
        Assert.Equal(0.2f, mean[0], 3);
        Assert.True(std[0] > 0);
    }
}
