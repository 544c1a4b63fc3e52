namespace DistrAttention.Tests.Trainer;

/// <summary>Empty data, Config conflicts, fine-tuning sources and defaults, and attention swap-in.</summary>
public class TrainerFrictionTests : IClassFixture<ExactModelFixture>
{
    private readonly ExactModelFixture fixture;
    private readonly MLContext ml = new(1);

    public TrainerFrictionTests(ExactModelFixture fixture)
    {
        TorchRuntime.EnsureInitialized();
        this.fixture = fixture;
    }

    [Fact]
    public void EmptyDataSaysItIsEmpty()
    {
        // MapValueToKey fitted on the empty data itself: a key of one class, which used to be the reported problem.
        var empty = ml.Data.LoadFromEnumerable(new List<BytesRow>());
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(empty).Transform(empty);
        var e = Assert.Throws<ArgumentException>(() => new VitImageClassificationTrainer(SyntheticImages.TinyOptions(epochs: 1)).Fit(keyed));
        Assert.Contains("training data is empty", e.Message);
        Assert.DoesNotContain("classes", e.Message);
    }

    [Fact]
    public void EmptyValidationSetSaysItIsEmpty()
    {
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(fixture.Train);
        var options = SyntheticImages.TinyOptions(epochs: 1);
        options.ValidationSet = keys.Transform(ml.Data.LoadFromEnumerable(new List<BytesRow>()));
        var e = Assert.Throws<ArgumentException>(() => new VitImageClassificationTrainer(options).Fit(keys.Transform(fixture.Train)));
        Assert.Contains("validation data is empty", e.Message);
        Assert.Equal("ValidationSet", e.ParamName);
    }

    public static TheoryData<string, Action<VitImageClassificationTrainer.Options>> ConfigConflicts => new()
    {
        { "ImageSize", o => o.ImageSize = 32 },
        { "PatchSize", o => o.PatchSize = 8 },
        { "Channels", o => o.Channels = 1 },
        { "Attention", o => o.Attention = AttentionOptions.Exact },
    };

    [Theory]
    [MemberData(nameof(ConfigConflicts))]
    public void ConfigWithAnotherValueOfAnOverriddenOptionIsRejected(string name, Action<VitImageClassificationTrainer.Options> change)
    {
        var options = SyntheticImages.TinyOptions(); // Config: 16 px, patch 4, 3 channels, DistrAttention
        change(options);
        var e = Assert.Throws<ArgumentException>(() => new VitImageClassificationTrainer(options));
        Assert.Equal(name, e.ParamName);
        Assert.Contains("Config", e.Message);
        Assert.Contains($"Config.{name}", e.Message);
    }

    [Fact]
    public void ConfigWithDefaultsOrItsOwnValuesIsAccepted()
    {
        var options = SyntheticImages.TinyOptions();
        options.Attention = null;
        _ = new VitImageClassificationTrainer(options);
        options.ImageSize = 16; options.PatchSize = 4; options.Channels = 3; options.Attention = SyntheticImages.Distr;
        _ = new VitImageClassificationTrainer(options);
    }

    [Fact]
    public void FineTuningWithoutAttentionKeepsTheInitialModelsAttention()
    {
        var options = FineTuneOptions();
        options.InitialModel = fixture.Vit;
        using var tuned = new VitImageClassificationTrainer(options).Fit(Keyed());
        Assert.Equal(AttentionKind.Exact, tuned.Config.Attention.Kind);
    }

    [Fact]
    public void NewModelWithoutAttentionGetsTheDefaultDistrAttention()
    {
        var options = SyntheticImages.TinyOptions(epochs: 1);
        options.Config = null;
        options.Attention = null;
        options.ImageSize = 16; options.PatchSize = 4; options.Preset = VitPreset.Tiny;
        options.BatchSize = 4;
        var trainer = new VitImageClassificationTrainer(options);
        var small = ml.Data.LoadFromEnumerable(SyntheticImages.Rows(1, 2));
        using var vit = trainer.Fit(ml.Transforms.Conversion.MapValueToKey("Label").Fit(small).Transform(small));
        Assert.Equal(new AttentionOptions(), vit.Config.Attention);
        Assert.Equal(AttentionKind.DistrAttention, vit.Config.Attention.Kind);
        Assert.Equal(2, vit.Config.Attention.GroupSize);
        Assert.Equal(64, vit.Config.Attention.BlockSize);
    }

    [Fact]
    public void InitialModelMayBeAPipelineHoldingOneVit()
    {
        var options = FineTuneOptions();
        options.InitialModel = fixture.Model; // MapValueToKey → ViT
        options.Attention = SyntheticImages.Distr;
        using var tuned = new VitImageClassificationTrainer(options).Fit(Keyed());
        Assert.Equal(AttentionKind.DistrAttention, tuned.Config.Attention.Kind);
        Assert.Equal(fixture.Vit.Config.EmbedDim, tuned.Config.EmbedDim);
    }

    [Fact]
    public void InitialModelWithoutOrWithSeveralVitsIsRejected()
    {
        var options = FineTuneOptions();
        options.InitialModel = ml.Transforms.Conversion.MapValueToKey("Label").Fit(fixture.Train);
        var e = Assert.Throws<ArgumentException>(() => new VitImageClassificationTrainer(options));
        Assert.Equal("InitialModel", e.ParamName);
        Assert.Contains("holds no VitImageClassificationTransformer", e.Message);

        options.InitialModel = new TransformerChain<ITransformer>(fixture.Vit, fixture.Model);
        e = Assert.Throws<ArgumentException>(() => new VitImageClassificationTrainer(options));
        Assert.Equal("InitialModel", e.ParamName);
        Assert.Contains("holds 2 VitImageClassificationTransformers", e.Message);
    }

    [Fact]
    public void InitialModelPathAcceptsASaveWithVitZip()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vit-{Guid.NewGuid():N}.zip");
        try
        {
            fixture.Ml.Model.SaveWithVit(fixture.Model, fixture.Train.Schema, path);
            var options = FineTuneOptions();
            options.InitialModelPath = path;
            using var tuned = new VitImageClassificationTrainer(options).Fit(Keyed());
            Assert.Equal(AttentionKind.Exact, tuned.Config.Attention.Kind);
            Assert.Equal(fixture.Vit.Config with { }, tuned.Config);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void InitialModelPathWithANonVitFileNamesIt()
    {
        string path = Path.Combine(Path.GetTempPath(), $"vit-{Guid.NewGuid():N}.bin");
        try
        {
            File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
            var options = FineTuneOptions();
            options.InitialModelPath = path;
            var e = Assert.Throws<InvalidDataException>(() => new VitImageClassificationTrainer(options).Fit(Keyed()));
            Assert.Contains("InitialModelPath", e.Message);
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void WithAttentionSwapsAttentionOnACopy()
    {
        var data = fixture.Model.Transform(fixture.Train); // keyed, scored by the exact model
        var before = fixture.Vit.Transform(data).GetColumn<float[]>("Score").ToList();
        using var distr = fixture.Vit.WithAttention(SyntheticImages.Distr with { GroupSize = 4 });
        Assert.NotSame(fixture.Vit, distr);
        Assert.Equal(AttentionKind.DistrAttention, distr.Config.Attention.Kind);
        Assert.Equal(4, distr.Config.Attention.GroupSize);
        Assert.Equal(AttentionKind.Exact, fixture.Vit.Config.Attention.Kind);
        Assert.Equal(fixture.Vit.Config with { Attention = distr.Config.Attention }, distr.Config);

        var swapped = distr.Transform(data).GetColumn<float[]>("Score").ToList();
        var after = fixture.Vit.Transform(data).GetColumn<float[]>("Score").ToList();
        Assert.Equal(before, after); // the original is unchanged
        Assert.Contains(Enumerable.Range(0, before.Count), i => !before[i].SequenceEqual(swapped[i]));
        // Same keys: the predicted label of the copy carries the key values.
        Assert.Equal(fixture.Vit.GetOutputSchema(data.Schema)["PredictedLabel"].Type, distr.GetOutputSchema(data.Schema)["PredictedLabel"].Type);

        // Exact on the copy gives the original's scores back: the weights were copied.
        using var exactAgain = distr.WithAttention(AttentionOptions.Exact);
        var back = exactAgain.Transform(data).GetColumn<float[]>("Score").ToList();
        for (int i = 0; i < before.Count; i++)
            for (int k = 0; k < before[i].Length; k++)
                Assert.Equal(before[i][k], back[i][k], 5);

        // The copy is independent: disposing it leaves the original usable.
        distr.Dispose();
        Assert.Equal(before, fixture.Vit.Transform(data).GetColumn<float[]>("Score").ToList());
    }

    [Fact]
    public void WithAttentionRejectsOptionsThatDoNotSuitTheModel()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Vit.WithAttention(SyntheticImages.Distr with { GroupSize = 3 }));
        Assert.Contains("Attention.GroupSize", e.ParamName);
        Assert.Throws<ArgumentNullException>(() => fixture.Vit.WithAttention(null!));
    }

    private IDataView Keyed() => ml.Transforms.Conversion.MapValueToKey("Label").Fit(fixture.Train).Transform(fixture.Train);

    private static VitImageClassificationTrainer.Options FineTuneOptions()
    {
        var options = SyntheticImages.TinyOptions(epochs: 1);
        options.Config = null;
        options.Attention = null;
        return options;
    }
}
