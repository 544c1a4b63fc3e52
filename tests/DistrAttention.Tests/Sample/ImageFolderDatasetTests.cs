using ImageClassification.Data;

namespace DistrAttention.Tests.Sample;

public sealed class ImageFolderDatasetTests
{
    private static void WritePng(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        GreyPng.Write(path, IdxFiles.Pattern(1, 8, 8), 8, 8);
    }

    [Fact]
    public void ListsClassesAndImagesSortedAndIgnoresOtherFiles()
    {
        using var temp = new TempFolder();
        WritePng(temp.Combine("b", "2.png"));
        WritePng(temp.Combine("b", "1.PNG"));
        WritePng(temp.Combine("a", "x.png"));
        File.WriteAllText(temp.Combine("a", "notes.txt"), "not an image");

        var set = ImageFolderDataset.Load(temp.Path);

        Assert.Equal(["a", "b"], set.Classes);
        Assert.Equal(["a", "b", "b"], set.Rows.Select(r => r.Label));
        Assert.Equal(["x.png", "1.PNG", "2.png"], set.Rows.Select(r => Path.GetFileName(r.ImagePath)));
    }

    [Fact]
    public void MissingFolderIsNamed()
    {
        var e = Assert.Throws<DatasetException>(() => ImageFolderDataset.Load("/nonexistent/images"));
        Assert.Contains("/nonexistent/images", e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void FolderWithoutClassFoldersIsRejected()
    {
        using var temp = new TempFolder();
        WritePng(temp.Combine("loose.png"));
        var e = Assert.Throws<DatasetException>(() => ImageFolderDataset.Load(temp.Path));
        Assert.Contains("no class sub-folders", e.Message);
    }

    [Fact]
    public void EmptyClassFolderIsNamed()
    {
        using var temp = new TempFolder();
        WritePng(temp.Combine("cat", "1.png"));
        Directory.CreateDirectory(temp.Combine("dog"));
        File.WriteAllText(temp.Combine("dog", "readme.txt"), "");

        var e = Assert.Throws<DatasetException>(() => ImageFolderDataset.Load(temp.Path));
        Assert.Contains(temp.Combine("dog"), e.Message);
        Assert.Contains("no images", e.Message);
    }

    [Fact]
    public void UndecodableImageIsNamed()
    {
        using var temp = new TempFolder();
        WritePng(temp.Combine("cat", "1.png"));
        var bad = temp.Combine("cat", "broken.png");
        File.WriteAllBytes(bad, [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);

        var e = Assert.Throws<DatasetException>(() => ImageFolderDataset.Load(temp.Path));
        Assert.Contains(bad, e.Message);
        Assert.Contains("cannot be decoded", e.Message);
    }

    [Fact]
    public void ClassUnknownToTheModelIsNamed()
    {
        using var temp = new TempFolder();
        WritePng(temp.Combine("cat", "1.png"));
        WritePng(temp.Combine("zebra", "1.png"));

        var e = Assert.Throws<DatasetException>(() => ImageFolderDataset.Load(temp.Path, knownClasses: ["cat", "dog"]));
        Assert.Contains("'zebra'", e.Message);
        Assert.Contains("cat, dog", e.Message);
    }

    [Fact]
    public void SplitIsStratifiedDisjointAndSeeded()
    {
        using var temp = new TempFolder();
        for (int i = 0; i < 10; i++)
        {
            WritePng(temp.Combine("a", $"{i}.png"));
            WritePng(temp.Combine("b", $"{i}.png"));
        }
        var set = ImageFolderDataset.Load(temp.Path);

        var (train, validation) = set.Split(0.2, seed: 7);
        var (_, again) = set.Split(0.2, seed: 7);

        var trainRows = Assert.IsType<ImageFolderDataset>(train).Rows;
        var validationRows = Assert.IsType<ImageFolderDataset>(validation).Rows;
        Assert.Equal(16, train.Count);
        Assert.Equal(2, validationRows.Count(r => r.Label == "a"));
        Assert.Equal(2, validationRows.Count(r => r.Label == "b"));
        Assert.Empty(trainRows.Select(r => r.ImagePath).Intersect(validationRows.Select(r => r.ImagePath)));
        Assert.Equal(validationRows.Select(r => r.ImagePath), Assert.IsType<ImageFolderDataset>(again).Rows.Select(r => r.ImagePath));
    }
}
