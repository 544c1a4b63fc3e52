using ImageClassification.Data;

namespace DistrAttention.Tests.Sample;

public sealed class FashionMnistImporterTests
{
    private const int Rows = 28, Cols = 28;

    // 12 images labelled 0,1,2,...,9,0,1 (train, gzip) and 4 labelled 3,3,3,5 (test, raw).
    private static string WriteIdxFolder(TempFolder temp) => IdxFiles.WriteFolder(temp);

    [Fact]
    public void WritesOneFolderPerClassAndPngsThatDecodeToTheSamePixels()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        var output = temp.Combine("png");

        var counts = FashionMnistImporter.Import(idx, output, trainPerClass: null, testPerClass: null);

        Assert.Equal([2, 2, 1, 1, 1, 1, 1, 1, 1, 1], counts["train"]);
        Assert.Equal([0, 0, 0, 3, 0, 1, 0, 0, 0, 0], counts["test"]);
        Assert.Equal(FashionMnistClasses.Names.Order(StringComparer.Ordinal),
            Directory.GetDirectories(Path.Combine(output, "train")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // Image 11 has label 1 (Trouser): decode it and compare every pixel.
        var png = Path.Combine(output, "train", "Trouser", "train-00011.png");
        Assert.True(File.Exists(png));
        var expected = IdxFiles.Pattern(12, Rows, Cols).AsSpan(11 * Rows * Cols, Rows * Cols).ToArray();
        Assert.Equal(expected, DecodeGrey(png));
    }

    [Fact]
    public void PerClassLimitKeepsTheFirstImagesInFileOrder()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        var output = temp.Combine("png");

        var counts = FashionMnistImporter.Import(idx, output, trainPerClass: 1, testPerClass: 2);

        Assert.Equal(Enumerable.Repeat(1, 10), counts["train"]);
        Assert.Equal(2, counts["test"][3]);
        // Only classes with images get a folder (an empty class folder would stop training).
        Assert.Equal(["Dress", "Sandal"], Directory.GetDirectories(Path.Combine(output, "test")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["test-00000.png", "test-00001.png"],
            Directory.GetFiles(Path.Combine(output, "test", "Dress")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Single(Directory.GetFiles(Path.Combine(output, "train", "T-shirt_top")), f => f.EndsWith("train-00000.png"));
    }

    [Fact]
    public void AsIdxKeepsTheFirstImagesPerClassInFileOrder()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        var output = temp.Combine("subset");

        var counts = FashionMnistImporter.Import(idx, output, trainPerClass: 1, testPerClass: 2, asIdx: true);

        Assert.Equal(Enumerable.Repeat(1, 10), counts["train"]);
        var train = IdxSplit.Read(output, IdxSplit.TrainPrefix);
        Assert.Equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], train.Labels); // images 10 and 11 repeat classes 0 and 1
        Assert.Equal(IdxFiles.Pattern(12, Rows, Cols)[..(10 * Rows * Cols)], train.Images.Data);
        var test = IdxSplit.Read(output, IdxSplit.TestPrefix);
        Assert.Equal([3, 3, 5], test.Labels);
        Assert.Equal(IdxFiles.Pattern(4, Rows, Cols).AsSpan(Rows * Cols, Rows * Cols).ToArray(), test.Images.Item(1).ToArray());
        Assert.True(File.Exists(Path.Combine(output, "t10k-images-idx3-ubyte.gz")));
    }

    [Fact]
    public void MissingLabelsFileIsNamed()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        File.Delete(Path.Combine(idx, "t10k-labels-idx1-ubyte"));

        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistImporter.Import(idx, temp.Combine("png"), null, null));
        Assert.Contains("t10k-labels-idx1-ubyte", e.Message);
    }

    [Fact]
    public void CountMismatchBetweenImagesAndLabelsIsRejected()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        IdxFiles.Write(Path.Combine(idx, "t10k-labels-idx1-ubyte"), [3], [3, 3, 3], gzip: false);

        var e = Assert.Throws<InvalidDataException>(() => FashionMnistImporter.Import(idx, temp.Combine("png"), null, null));
        Assert.Contains("4 images but 3 labels", e.Message);
    }

    /// <summary>Decodes with ML.NET's decoder and checks that the three colour channels are equal.</summary>
    /// <remarks><c>MLImage.Pixels</c> is not used: ML.NET 5.0.1 was built against SkiaSharp 2.88 and that property
    /// fails with MissingMethodException when ScottPlot's SkiaSharp 3.119 is loaded. GetBGRPixels works with both.</remarks>
    internal static byte[] DecodeGrey(string path)
    {
        using var image = MLImage.CreateFromFile(path);
        Assert.Equal(Cols, image.Width);
        Assert.Equal(Rows, image.Height);
        var bgr = image.GetBGRPixels;
        var grey = new byte[image.Width * image.Height];
        for (int i = 0; i < grey.Length; i++)
        {
            grey[i] = bgr[3 * i];
            Assert.Equal(grey[i], bgr[3 * i + 1]);
            Assert.Equal(grey[i], bgr[3 * i + 2]);
        }
        return grey;
    }
}
