namespace DistrAttention.Tests.Trainer;

public class PersistenceTests(TrainedPipelineFixture fixture) : IClassFixture<TrainedPipelineFixture>
{
    [Fact]
    public void SaveAndLoadGiveIdenticalScoresAndLabels()
    {
        using var temp = new TempFolder("vit-save");
        string folder = temp.Path;
        string path = Path.Combine(folder, "model.zip");
        fixture.Ml.Model.SaveWithVit(fixture.Model, fixture.Train.Schema, path);
        Assert.Equal(["model.zip"], Directory.GetFiles(folder).Select(Path.GetFileName)); // no temp file left

        var loaded = fixture.Ml.Model.LoadWithVit(path, out var schema);
        Assert.Equal(fixture.Train.Schema.Select(c => (c.Name, c.Type)), schema.Select(c => (c.Name, c.Type)));
        var chain = Assert.IsType<TransformerChain<ITransformer>>(loaded);
        Assert.Equal(3, chain.Count());
        var loadedVit = chain.OfType<VitImageClassificationTransformer>().Single();
        Assert.Equal(fixture.Vit.History.Epochs, loadedVit.History.Epochs);

        AssertSamePredictions(fixture.Model, loaded);
        // Saving again over the same path replaces it.
        fixture.Ml.Model.SaveWithVit(loaded, schema, path);
        AssertSamePredictions(fixture.Model, fixture.Ml.Model.LoadWithVit(path, out _));
        loadedVit.Dispose();
    }

    [Fact]
    public void PrecisionIsSavedAndLoadedModelsScoreInIt()
    {
        using var temp = new TempFolder("vit-precision");
        string folder = temp.Path;
        // A CPU-trained model defaults to Float32; a changed precision travels with the file.
        Assert.Equal(DistrAttention.Vit.Model.ComputePrecision.Float32, fixture.Vit.Precision);
        string path = Path.Combine(folder, "model.zip");
        fixture.Ml.Model.SaveWithVit(fixture.Model, fixture.Train.Schema, path);
        var loaded = (TransformerChain<ITransformer>)fixture.Ml.Model.LoadWithVit(path, out var schema);
        var vit = loaded.OfType<VitImageClassificationTransformer>().Single();
        vit.Precision = DistrAttention.Vit.Model.ComputePrecision.BFloat16;
        var bf16Scores = loaded.Transform(fixture.Test).GetColumn<float[]>(vit.ScoreColumnName).ToList();
        fixture.Ml.Model.SaveWithVit(loaded, schema, path);
        var reloaded = (TransformerChain<ITransformer>)fixture.Ml.Model.LoadWithVit(path, out _);
        var again = reloaded.OfType<VitImageClassificationTransformer>().Single();
        Assert.Equal(DistrAttention.Vit.Model.ComputePrecision.BFloat16, again.Precision);
        var reloadedScores = reloaded.Transform(fixture.Test).GetColumn<float[]>(again.ScoreColumnName).ToList();
        Assert.Equal(bf16Scores, reloadedScores); // same precision, same device: identical
        var fp32Scores = fixture.Model.Transform(fixture.Test).GetColumn<float[]>(fixture.Vit.ScoreColumnName).ToList();
        Assert.NotEqual(fp32Scores, bf16Scores); // bfloat16 products round differently: the setting took effect
        Assert.Throws<ArgumentOutOfRangeException>(() => again.Precision = (DistrAttention.Vit.Model.ComputePrecision)7);
        vit.Dispose();
        again.Dispose();
    }

    [Fact]
    public void ReloadFromBytesInAFreshContext()
    {
        using var memory = new MemoryStream();
        fixture.Ml.Model.SaveWithVit(fixture.Model, fixture.Train.Schema, memory);
        var bytes = memory.ToArray();
        var fresh = new MLContext(seed: 99);
        var loaded = fresh.Model.LoadWithVit(new MemoryStream(bytes), out _);
        AssertSamePredictions(fixture.Model, loaded);
        ((TransformerChain<ITransformer>)loaded).OfType<VitImageClassificationTransformer>().Single().Dispose();
    }

    [Fact]
    public void PlainModelSaveThrowsNotSupportedPointingAtSaveWithVit()
    {
        var e = Assert.Throws<NotSupportedException>(() => fixture.Ml.Model.Save(fixture.Model, fixture.Train.Schema, new MemoryStream()));
        Assert.Contains("SaveWithVit", e.Message);
    }

    [Fact]
    public void CorruptTruncatedAndWrongKindFilesThrowInvalidData()
    {
        using var temp = new TempFolder("vit-bad");
        string folder = temp.Path;
        string good = Path.Combine(folder, "good.zip");
        fixture.Ml.Model.SaveWithVit(fixture.Model, fixture.Train.Schema, good);
        byte[] bytes = File.ReadAllBytes(good);

        string truncated = Path.Combine(folder, "truncated.zip");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => fixture.Ml.Model.LoadWithVit(truncated, out _));
        Assert.Contains(truncated, e.Message);
        Assert.Contains("truncated", e.Message);

        string text = Path.Combine(folder, "text.zip");
        File.WriteAllText(text, "hello");
        e = Assert.Throws<InvalidDataException>(() => fixture.Ml.Model.LoadWithVit(text, out _));
        Assert.Contains("not a zip archive", e.Message);

        // A plain ML.NET model (no ViT) is the wrong kind.
        string plain = Path.Combine(folder, "plain.zip");
        var keys = fixture.Ml.Transforms.Conversion.MapValueToKey("Label").Fit(fixture.Train);
        fixture.Ml.Model.Save(keys, fixture.Train.Schema, plain);
        e = Assert.Throws<InvalidDataException>(() => fixture.Ml.Model.LoadWithVit(plain, out _));
        Assert.Contains("plain ML.NET model", e.Message);
        Assert.Contains(plain, e.Message);

        // Flipped bytes inside the checkpoint entry: the zip CRC or the checkpoint reader must notice.
        string corrupt = Path.Combine(folder, "corrupt.zip");
        var damaged = (byte[])bytes.Clone();
        int at = FindEntryData(damaged, "segment-1.vit.safetensors");
        for (int i = 0; i < 64; i++) damaged[at + 200 + i] ^= 0x5A;
        File.WriteAllBytes(corrupt, damaged);
        e = Assert.Throws<InvalidDataException>(() => fixture.Ml.Model.LoadWithVit(corrupt, out _));
        Assert.Contains(corrupt, e.Message);
        Assert.Contains("segment-1.vit.safetensors", e.Message);
    }

    [Fact]
    public void FailedSaveLeavesExistingFileUntouched()
    {
        using var temp = new TempFolder("vit-atomic");
        string folder = temp.Path;
        string path = Path.Combine(folder, "model.zip");
        File.WriteAllText(path, "previous");
        Assert.ThrowsAny<Exception>(() => fixture.Ml.Model.SaveWithVit(new ThrowingTransformer(), fixture.Train.Schema, path));
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(folder));
    }

    private void AssertSamePredictions(ITransformer expected, ITransformer actual)
    {
        var a = expected.Transform(fixture.Test);
        var b = actual.Transform(fixture.Test);
        Assert.Equal(a.GetColumn<float[]>("Score").ToList(), b.GetColumn<float[]>("Score").ToList());
        Assert.Equal(a.GetColumn<string>("PredictedLabelValue").ToList(), b.GetColumn<string>("PredictedLabelValue").ToList());
    }

    // Local file header: signature, then name length at 26, extra length at 28, name at 30.
    private static int FindEntryData(byte[] zip, string name)
    {
        var nameBytes = System.Text.Encoding.ASCII.GetBytes(name);
        for (int i = 0; i + 30 < zip.Length; i++)
        {
            if (zip[i] != 0x50 || zip[i + 1] != 0x4B || zip[i + 2] != 3 || zip[i + 3] != 4) continue;
            int n = BitConverter.ToUInt16(zip, i + 26), extra = BitConverter.ToUInt16(zip, i + 28);
            if (zip.AsSpan(i + 30, n).SequenceEqual(nameBytes)) return i + 30 + n + extra;
        }
        throw new InvalidOperationException($"entry {name} not found");
    }

    private sealed class ThrowingTransformer : ITransformer
    {
        public bool IsRowToRowMapper => false;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
        public IDataView Transform(IDataView input) => input;
        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new InvalidOperationException("cannot save");
    }
}
