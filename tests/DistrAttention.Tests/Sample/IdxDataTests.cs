using ImageClassification.Data;
using Microsoft.ML.Transforms.Image;

namespace DistrAttention.Tests.Sample;

/// <summary>IDX folders as data sets: rows, order, pixels, the splits a folder gives, and errors that name the argument.</summary>
public sealed class IdxDataTests
{
    private const int Side = IdxFiles.Side;

    private static string WriteIdxFolder(TempFolder temp, bool withTest = true) => IdxFiles.WriteFolder(temp, withTest);

    [Fact]
    public void RowsAreGroupedByClassNameThenFileOrderWithTheFilesPixels()
    {
        using var temp = new TempFolder();
        var set = IdxImageSet.Load(WriteIdxFolder(temp), IdxSplit.TrainPrefix);

        Assert.True(set.HoldsImages);
        Assert.Equal(FashionMnistClasses.Names.Order(StringComparer.Ordinal), set.Classes);
        // Ankle_boot (9), Bag (8), Coat (4), Dress (3), Pullover (2), Sandal (5), Shirt (6), Sneaker (7), T-shirt_top (0, 10), Trouser (1, 11).
        Assert.Equal([9, 8, 4, 3, 2, 5, 6, 7, 0, 10, 1, 11], Enumerable.Range(0, set.Count).Select(set.FileIndexOf));
        Assert.Equal("Trouser", set.LabelOf(11));
        var pattern = IdxFiles.Pattern(12, Side, Side);
        Assert.Equal(pattern.AsSpan(11 * Side * Side, Side * Side).ToArray(), set.PixelsOf(11).ToArray());
        using var image = set.OpenImage(11);
        var bgr = image.GetBGRPixels;
        Assert.Equal(set.PixelsOf(11).ToArray(), Enumerable.Range(0, Side * Side).Select(p => bgr[3 * p + 1]).ToArray());
    }

    [Fact]
    public void TheDataViewHoldsTheImagesAndTheSameSplitAsThePngFoldersOfTheSameImages()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        FashionMnistImporter.Import(idx, temp.Combine("png"), null, null);
        var fromIdx = DataFolder.LoadTrain(idx, "-d/--data");
        var fromPng = DataFolder.LoadTrain(temp.Combine("png", "train"), "-d/--data");

        Assert.Equal(Labels(fromPng), Labels(fromIdx));
        for (int row = 0; row < fromIdx.Count; row++)
        {
            using var a = fromIdx.OpenImage(row);
            using var b = fromPng.OpenImage(row);
            Assert.Equal(b.GetBGRPixels.ToArray(), a.GetBGRPixels.ToArray());
        }
        var (idxTrain, idxValidation) = fromIdx.Split(0.25, seed: 3);
        var (pngTrain, pngValidation) = fromPng.Split(0.25, seed: 3);
        Assert.Equal(Labels(pngValidation), Labels(idxValidation));
        Assert.Equal(Labels(pngTrain), Labels(idxTrain));

        var ml = new MLContext(seed: 1);
        var view = fromIdx.ToDataView(ml);
        Assert.IsType<ImageDataViewType>(view.Schema[InMemoryImages.ImageColumn].Type);
        Assert.Equal(Labels(fromIdx), view.GetColumn<string>(InMemoryImages.LabelColumn));
    }

    [Fact]
    public void AFolderOfIdxFilesGivesTrainAndT10kSplits()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        Assert.Equal((idx, idx), DataFolder.Splits(idx, null));
        Assert.Equal(4, DataFolder.LoadTest(idx, "-d/--data", knownClasses: null).Count);
        Assert.Equal((idx, "other"), DataFolder.Splits(idx, "other"));

        using var trainOnly = new TempFolder();
        var noTest = WriteIdxFolder(trainOnly, withTest: false);
        Assert.Equal((noTest, (string?)null), DataFolder.Splits(noTest, null));
        var e = Assert.Throws<DatasetException>(() => DataFolder.LoadTest(noTest, "-d/--data", null));
        Assert.StartsWith("-d/--data: ", e.Message);
        Assert.Contains("t10k-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void AFolderWithNeitherImagesNorIdxFilesIsRejectedNamingTheArgument()
    {
        using var temp = new TempFolder();
        File.WriteAllText(temp.Combine("notes.txt"), "not a data set");
        var e = Assert.Throws<DatasetException>(() => DataFolder.LoadTrain(temp.Path, "-d/--data"));
        Assert.StartsWith("-d/--data: ", e.Message);
        Assert.Contains("neither class sub-folders of images", e.Message);
        Assert.Contains("train-images-idx3-ubyte", e.Message);

        var missing = Assert.Throws<DatasetException>(() => DataFolder.LoadTrain(temp.Combine("missing"), "--test"));
        Assert.StartsWith("--test: ", missing.Message);
    }

    [Fact]
    public void MissingLabelsAndUnknownClassesAreNamed()
    {
        using var temp = new TempFolder();
        var idx = WriteIdxFolder(temp);
        var unknown = Assert.Throws<DatasetException>(() => DataFolder.LoadTest(idx, "-d/--data", ["Dress", "Bag"]));
        Assert.Contains("Class 'Sandal'", unknown.Message);
        Assert.Contains("is not a class of the model", unknown.Message);

        File.Delete(Path.Combine(idx, "train-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<DatasetException>(() => DataFolder.LoadTrain(idx, "-d/--data"));
        Assert.Contains("train-labels-idx1-ubyte", e.Message);
    }

    [Fact]
    public void EmbeddedSubsetHasTenClassesWithTheDocumentedCounts()
    {
        var train = IdxImageSet.Load(EmbeddedData.Root, IdxSplit.TrainPrefix);
        var test = IdxImageSet.Load(EmbeddedData.Root, IdxSplit.TestPrefix);

        Assert.Equal(FashionMnistClasses.Names.Order(StringComparer.Ordinal), train.Classes);
        Assert.Equal((28, 28), train.ImageSize);
        Assert.All(Labels(train).GroupBy(l => l), g => Assert.Equal(1000, g.Count()));
        Assert.All(Labels(test).GroupBy(l => l), g => Assert.Equal(100, g.Count()));
        // In file order, as the first images of each class of the full set were taken.
        Assert.True(Enumerable.Range(0, train.Count).Where(r => train.LabelOf(r) == "Bag").Select(train.FileIndexOf)
            .SequenceEqual(Enumerable.Range(0, train.Count).Where(r => train.LabelOf(r) == "Bag").Select(train.FileIndexOf).Order()));
    }

    private static List<string> Labels(LabeledImageSet set) => Enumerable.Range(0, set.Count).Select(set.LabelOf).ToList();
}
