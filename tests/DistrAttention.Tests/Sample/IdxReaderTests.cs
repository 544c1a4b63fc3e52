using ImageClassification.Data;

namespace DistrAttention.Tests.Sample;

public sealed class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsDimensionsAndDataRawAndGzip(bool gzip)
    {
        using var temp = new TempFolder();
        var path = temp.Combine("images-idx3-ubyte");
        var data = IdxFiles.Pattern(3, 4, 5);
        IdxFiles.Write(path, [3, 4, 5], data, gzip);

        var array = IdxReader.Read(path);

        Assert.Equal([3, 4, 5], array.Dimensions);
        Assert.Equal(3, array.Count);
        Assert.Equal(20, array.ItemLength);
        Assert.Equal(data, array.Data);
        Assert.Equal(data.AsSpan(40, 20).ToArray(), array.Item(2).ToArray());
    }

    [Fact]
    public void TruncatedFileIsReportedWithItsPath()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("short-idx1-ubyte");
        var bytes = IdxWriter.Encode([10], new byte[10]);
        File.WriteAllBytes(path, bytes[..^3]);

        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void NonByteElementTypeIsRejected()
    {
        var bytes = IdxWriter.Encode([2], [0, 0]);
        bytes[2] = 0x0D; // float
        var e = Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(bytes)));
        Assert.Contains("0x0D", e.Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.Read("/nonexistent/train-images-idx3-ubyte"));
        Assert.Contains("/nonexistent/train-images-idx3-ubyte", e.Message);
    }
}
