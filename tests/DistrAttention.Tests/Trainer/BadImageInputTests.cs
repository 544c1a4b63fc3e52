namespace DistrAttention.Tests.Trainer;

/// <summary>Truncated, corrupt and empty images surface as <see cref="InvalidDataException"/> naming the row or file.</summary>
public class BadImageInputTests : IClassFixture<ExactModelFixture>
{
    private readonly ExactModelFixture fixture;
    private readonly MLContext ml = new(1);

    public BadImageInputTests(ExactModelFixture fixture)
    {
        TorchRuntime.EnsureInitialized();
        this.fixture = fixture;
    }

    private IDataView KeyedBytes(List<BytesRow> rows) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));

    private static VitImageClassificationTrainer Trainer() => new(SyntheticImages.TinyOptions(epochs: 1));

    [Fact]
    public void TruncatedPngBytesFailFitNamingTheRow()
    {
        var rows = SyntheticImages.Rows(2, 1);
        rows[4].Image = ExactModelFixture.TruncatedPng();
        var e = Assert.Throws<InvalidDataException>(() => Trainer().Fit(KeyedBytes(rows)));
        Assert.Contains("Image column 'Image', row 4", e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("IEND", e.Message);
    }

    [Fact]
    public void TruncatedJpegBytesAreDetected()
    {
        var rows = SyntheticImages.Rows(1, 1);
        rows[1].Image = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
        var e = Assert.Throws<InvalidDataException>(() => Trainer().Fit(KeyedBytes(rows)));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("JPEG is truncated", e.Message);
    }

    [Fact]
    public void TruncatedPngFailsTransformAndPredictionEngine()
    {
        var rows = SyntheticImages.Rows(2, 3);
        rows[2].Image = ExactModelFixture.TruncatedPng();
        var scored = fixture.Model.Transform(ml.Data.LoadFromEnumerable(rows));
        var e = Assert.Throws<InvalidDataException>(() => scored.GetColumn<float[]>("Score").ToList());
        Assert.Contains("Image column 'Image', row 2", e.Message);
        Assert.Contains("truncated", e.Message);

        var engine = fixture.Ml.Model.CreatePredictionEngine<BytesRow, ScoreOnly>(fixture.Model);
        Assert.NotEmpty(engine.Predict(rows[0]).Score); // a good row scores
        e = Assert.Throws<InvalidDataException>(() => engine.Predict(rows[2]));
        Assert.Contains("Image column 'Image', row", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void BytesLoadedFromAPathColumnNameTheFile()
    {
        using var folder = new TempImageFolder();
        var rows = folder.GoodRows(2);
        File.WriteAllBytes(folder.PathOf("cut.png"), ExactModelFixture.TruncatedPng());
        rows.Insert(3, new PathRow { Label = "red", ImagePath = "cut.png" });
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.LoadRawImageBytes("Image", folder.Path, "ImagePath"));
        var keyed = pipeline.Fit(data).Transform(data);

        var e = Assert.Throws<InvalidDataException>(() => Trainer().Fit(keyed));
        Assert.Contains("row 3, file 'cut.png'", e.Message);
        Assert.Contains("truncated", e.Message);

        var scored = fixture.Vit.Transform(keyed);
        e = Assert.Throws<InvalidDataException>(() => scored.GetColumn<float[]>("Score").ToList());
        Assert.Contains("row 3, file 'cut.png'", e.Message);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("corrupt")]
    [InlineData("truncated")]
    public void BadFilesUnderLoadImagesNameTheRowAndFile(string kind)
    {
        using var folder = new TempImageFolder();
        var rows = folder.GoodRows(2);
        string bad = folder.PathOf($"{kind}.png");
        File.WriteAllBytes(bad, kind switch
        {
            "empty" => [],
            "corrupt" => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            _ => ExactModelFixture.TruncatedPng(),
        });
        rows.Insert(5, new PathRow { Label = "blue", ImagePath = bad }); // absolute: LoadImages with no folder
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.LoadImages("Image", null, "ImagePath"))
            .Fit(data).Transform(data);

        var e = Assert.Throws<InvalidDataException>(() => Trainer().Fit(keyed));
        Assert.Contains("Image column 'Image', row 5", e.Message);
        Assert.Contains($"file '{bad}'", e.Message);

        var scored = fixture.Vit.Transform(keyed);
        e = Assert.Throws<InvalidDataException>(() => scored.GetColumn<float[]>("Score").ToList());
        Assert.Contains($"row 5, file '{bad}'", e.Message);
    }

    [Fact]
    public void CompleteRealPngIsAccepted()
    {
        var rows = SyntheticImages.Rows(1, 1);
        rows[0].Image = ExactModelFixture.RealPng();
        var scores = fixture.Model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToList();
        Assert.Equal(3, scores.Count);
    }

    public sealed class ScoreOnly
    {
        public float[] Score { get; set; } = [];
    }

    /// <summary>A temporary folder of good synthetic PNGs, deleted on dispose.</summary>
    private sealed class TempImageFolder : IDisposable
    {
        private readonly TempFolder folder = new("vit-bad");

        public string Path => folder.Path;

        public string PathOf(string name) => folder.Combine(name);

        public List<PathRow> GoodRows(int perClass)
        {
            var random = new Random(4);
            var rows = new List<PathRow>();
            for (int i = 0; i < perClass; i++)
                for (int c = 0; c < SyntheticImages.Classes.Length; c++)
                {
                    string path = PathOf($"{c}-{i}.png");
                    using (var image = SyntheticImages.Image(c, 16, random)) image.Save(path);
                    rows.Add(new PathRow { Label = SyntheticImages.Classes[c], ImagePath = path });
                }
            return rows;
        }

        public void Dispose() => folder.Dispose();
    }
}
