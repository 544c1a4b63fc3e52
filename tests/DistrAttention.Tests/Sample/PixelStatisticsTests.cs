using ImageClassification.Data;

namespace DistrAttention.Tests.Sample;

public sealed class PixelStatisticsTests
{
    [Fact]
    public void BlackAndWhiteImagesHaveMeanAndStdOneHalf()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.Combine("a"));
        GreyPng.Write(temp.Combine("a", "black.png"), new byte[16], 4, 4);
        GreyPng.Write(temp.Combine("a", "white.png"), Enumerable.Repeat((byte)255, 16).ToArray(), 4, 4);
        var rows = ImageFolderDataset.Load(temp.Path);

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
        Directory.CreateDirectory(temp.Combine("a"));
        GreyPng.Write(temp.Combine("a", "grey.png"), Enumerable.Repeat((byte)51, 16).ToArray(), 4, 4);
        var (mean, std) = PixelStatistics.Measure(ImageFolderDataset.Load(temp.Path), 1);
        Assert.Equal(0.2f, mean[0], 3);
        Assert.True(std[0] > 0);
    }
}
