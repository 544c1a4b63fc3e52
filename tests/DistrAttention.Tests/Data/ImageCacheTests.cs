using DistrAttention.Tests.Trainer;
using Microsoft.ML.DistrAttention.Internal;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Data;

/// <summary>The first pass: parallel decoding gives the sequential cache, in row order, at the right size.</summary>
public class ImageCacheTests
{
    private readonly MLContext ml = new(1);

    public ImageCacheTests() => TorchRuntime.EnsureInitialized();

    // Rows of random pictures of several classes; "purple" is unknown to the key map, so its rows have key 0 (skipped).
    private static List<BytesRow> Rows(int count, Func<int, int> sizeOf, int seed)
    {
        var random = new Random(seed);
        var rows = new List<BytesRow>();
        for (int i = 0; i < count; i++)
        {
            int cls = random.Next(3);
            string label = i % 7 == 3 ? "purple" : SyntheticImages.Classes[cls];
            rows.Add(new BytesRow { Label = label, Image = SyntheticImages.Png(cls, sizeOf(i), random) });
        }
        return rows;
    }

    private IDataView Keyed(List<BytesRow> rows)
    {
        var known = ml.Data.LoadFromEnumerable(rows.Where(r => r.Label != "purple").ToList());
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(known).Transform(ml.Data.LoadFromEnumerable(rows));
    }

    private static void AssertSame(LabeledImages expected, LabeledImages actual)
    {
        Assert.Equal(expected.Labels, actual.Labels);
        Assert.Equal(expected.SkippedMissingLabels, actual.SkippedMissingLabels);
        Assert.Equal(expected.Images.Data.shape, actual.Images.Data.shape);
        Assert.True(PipelineReference.Same(expected.Images.Data, actual.Images.Data), "the caches differ");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void ParallelReadOfEncodedBytesEqualsSequentialRead(int channels)
    {
        var rows = Rows(900, _ => 12, seed: channels); // several of the splitter's 128-row batches per cursor
        var data = Keyed(rows);
        var preprocessor = new ImagePreprocessor(16, channels);
        using var sequential = LabeledImages.Read(data, "training", "Image", "Label", preprocessor, threads: 1);
        using var parallel = LabeledImages.Read(data, "training", "Image", "Label", preprocessor, threads: 8);
        AssertSame(sequential, parallel);

        // Row order, skipping the rows without a key; every image decoded at its own size.
        var kept = rows.Where(r => r.Label != "purple").ToList();
        Assert.Equal(rows.Count - kept.Count, parallel.SkippedMissingLabels);
        Assert.Equal([kept.Count, channels, 12, 12], parallel.Images.Data.shape);
        // MapValueToKey numbers labels by first appearance.
        var keyOrder = kept.Select(r => r.Label).Distinct().ToList();
        Assert.Equal(kept.Select(r => keyOrder.IndexOf(r.Label)), parallel.Labels);
        for (int i = 0; i < kept.Count; i += 17)
        {
            using var image = MLImage.CreateFromStream(new MemoryStream(kept[i].Image));
            var expected = preprocessor.ToPlanar(image).Pixels;
            Assert.Equal(expected, parallel.Images.Data[i].data<byte>().ToArray());
        }
    }

    [Fact]
    public void LoadImagesColumnReadInParallelEqualsSequentialAndEncodedRead()
    {
        var rows = Rows(700, _ => 10, seed: 9);
        string folder = Path.Combine(Path.GetTempPath(), $"vit-cache-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var paths = rows.Select((r, i) =>
            {
                string path = Path.Combine(folder, $"{i}.png");
                File.WriteAllBytes(path, r.Image);
                return new PathRow { Label = r.Label, ImagePath = path };
            }).ToList();
            var known = ml.Data.LoadFromEnumerable(paths.Where(r => r.Label != "purple").ToList());
            var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.LoadImages("Image", null, "ImagePath"))
                .Fit(known).Transform(ml.Data.LoadFromEnumerable(paths));
            // The parallel path is a cursor set here (ML.NET splits the cursor under LoadImages).
            var set = data.GetRowCursorSet([data.Schema["Image"], data.Schema["Label"]], 4);
            Assert.True(set.Length > 1);
            foreach (var cursor in set) cursor.Dispose();

            var preprocessor = new ImagePreprocessor(16, 3);
            using var sequential = LabeledImages.Read(data, "training", "Image", "Label", preprocessor, threads: 1);
            using var parallel = LabeledImages.Read(data, "training", "Image", "Label", preprocessor, threads: 6);
            using var encoded = LabeledImages.Read(Keyed(rows), "training", "Image", "Label", preprocessor, threads: 6);
            AssertSame(sequential, parallel);
            AssertSame(encoded, parallel);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void MixedSizesAreResizedToTheModelSizeWhenCached()
    {
        var rows = Rows(40, i => i % 3 == 0 ? 20 : 12, seed: 4);
        var preprocessor = new ImagePreprocessor(16, 3);
        using var sequential = LabeledImages.Read(Keyed(rows), "training", "Image", "Label", preprocessor, threads: 1);
        using var parallel = LabeledImages.Read(Keyed(rows), "training", "Image", "Label", preprocessor, threads: 4);
        AssertSame(sequential, parallel);
        var kept = rows.Where(r => r.Label != "purple").ToList();
        Assert.Equal([kept.Count, 3, 16, 16], parallel.Images.Data.shape);
        for (int i = 0; i < kept.Count; i++)
        {
            using var image = MLImage.CreateFromStream(new MemoryStream(kept[i].Image));
            Assert.Equal(preprocessor.ToModelBytes(image), parallel.Images.Data[i].data<byte>().ToArray());
        }
    }

    [Theory]
    [InlineData(12, 12)]  // smaller than the model: kept
    [InlineData(16, 16)]  // the model size
    [InlineData(24, 16)]  // larger: resized once, when cached
    public void OneSharedSizeIsKeptUnlessLargerThanTheModel(int size, int cached)
    {
        var images = Enumerable.Range(0, 3).Select(i => new PlanarImage(PipelineReference.RandomBytes(size * size, i), 1, size, size)).ToList();
        Assert.Equal((cached, cached), ImageCache.CacheSize(images, 16));
        var mixed = images.Append(new PlanarImage(PipelineReference.RandomBytes(8 * 9, 5), 1, 8, 9)).ToList();
        Assert.Equal((16, 16), ImageCache.CacheSize(mixed, 16));
    }

    [Fact]
    public void UndecodableImageNamesItsRowOnEveryPath()
    {
        var rows = Rows(60, _ => 8, seed: 2);
        rows[41].Image = [1, 2, 3, 4, 5, 6, 7, 8];
        var preprocessor = new ImagePreprocessor(8, 3);
        foreach (int threads in new[] { 1, 8 })
        {
            var e = Assert.Throws<InvalidDataException>(() => LabeledImages.Read(Keyed(rows), "training", "Image", "Label", preprocessor, threads));
            Assert.Contains("Image column 'Image', row 41", e.Message);
        }
    }

    [Fact]
    public void PlacedCacheGathersTheRequestedRows()
    {
        var bytes = PipelineReference.RandomBytes(10 * 2 * 3 * 4, 8);
        using var cache = ImageCache.FromTensor(torch.tensor(bytes, [10, 2, 3, 4]));
        using var placed = DeviceImages.Place(cache, torch.CPU);
        Assert.True(placed.OnDevice);
        using var rows = placed.Gather([7, 2, 2, 9]);
        Assert.Equal([4L, 2, 3, 4], rows.shape);
        var expected = new[] { 7, 2, 2, 9 }.SelectMany(i => bytes.Skip(i * 24).Take(24)).ToArray();
        Assert.Equal(expected, rows.data<byte>().ToArray());
    }
}
