namespace DistrAttention.Tests.Trainer;

public class BadInputTests
{
    private readonly MLContext ml = new(1);

    public BadInputTests() => TorchRuntime.EnsureInitialized();

    private VitImageClassificationTrainer Trainer() => ml.MulticlassClassification.Trainers.VitImageClassification(SyntheticImages.TinyOptions(epochs: 1));

    [Fact]
    public void EmptyDataIsRejected()
    {
        var empty = ml.Transforms.Conversion.MapValueToKey("Label").Fit(SyntheticImages.Data(ml, 1, 1))
            .Transform(ml.Data.LoadFromEnumerable(new List<BytesRow>()));
        var e = Assert.Throws<ArgumentException>(() => Trainer().Fit(empty));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void LabelThatIsNotAKeyIsRejected()
    {
        var data = SyntheticImages.Data(ml, 1, 1);
        var e = Assert.Throws<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("'Label'", e.Message);
        Assert.Contains("key type", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer().GetOutputSchema(Shapes.Of(data.Schema)));
        Assert.Contains("'Label'", e.Message);
    }

    [Fact]
    public void MissingImageColumnIsRejected()
    {
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.DropColumns("Image")).Fit(SyntheticImages.Data(ml, 1, 1))
            .Transform(SyntheticImages.Data(ml, 1, 1));
        var e = Assert.Throws<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("Image column 'Image' was not found", e.Message);
        e = Assert.Throws<ArgumentException>(() => Trainer().GetOutputSchema(Shapes.Of(data.Schema)));
        Assert.Contains("Image column 'Image'", e.Message);
    }

    [Fact]
    public void ImageColumnOfWrongTypeIsRejected()
    {
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.CopyColumns("Image", "Label"))
            .Fit(SyntheticImages.Data(ml, 1, 1)).Transform(SyntheticImages.Data(ml, 1, 1));
        var e = Assert.Throws<ArgumentException>(() => Trainer().Fit(data));
        Assert.Contains("Image column 'Image' has type", e.Message);
    }

    [Fact]
    public void UndecodableImageBytesAreRejected()
    {
        var rows = SyntheticImages.Rows(2, 1);
        rows[3].Image = [1, 2, 3, 4, 5, 6, 7, 8];
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var e = Assert.Throws<InvalidDataException>(() => Trainer().Fit(data));
        Assert.Contains("Image column 'Image', row 3", e.Message);
        Assert.Contains("not a decodable image", e.Message);
    }

    public static TheoryData<string, Action<VitImageClassificationTrainer.Options>> BadOptions => new()
    {
        { "Attention.GroupSize", o => o.Config = o.Config! with { Attention = SyntheticImages.Distr with { GroupSize = 3 } } },
        { "Attention.BlockSize", o => o.Config = o.Config! with { Attention = SyntheticImages.Distr with { BlockSize = 10 } } },
        { "Attention.GroupSize", o => { o.Config = null; o.ImageSize = 32; o.Attention = SyntheticImages.Distr with { GroupSize = 32 }; } },
        { "Epochs", o => o.Epochs = 0 },
        { "BatchSize", o => o.BatchSize = -1 },
        { "LearningRate", o => o.LearningRate = double.NaN },
        { "LabelSmoothing", o => o.LabelSmoothing = 1 },
        { "MaxGradNorm", o => o.MaxGradNorm = -1 },
        { "Initialization", o => o.Initialization = (WeightInitialization)7 },
        { "EarlyStoppingPatience", o => o.EarlyStoppingPatience = 2 },
        { "NormalizationStd", o => o.NormalizationStd = [1f, 0f, 1f] },
        { "NormalizationMean", o => o.NormalizationMean = [0.5f] },
        { "ImageSize", o => o.Config = o.Config! with { ImageSize = 18 } },
        { "Channels", o => o.Config = o.Config! with { Channels = 2 } },
        { "InitialModelPath", o => o.InitialModelPath = "/nonexistent/model.safetensors" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void WrongOptionValuesNameTheOption(string name, Action<VitImageClassificationTrainer.Options> change)
    {
        var options = SyntheticImages.TinyOptions();
        change(options);
        var e = Assert.ThrowsAny<Exception>(() => new VitImageClassificationTrainer(options));
        Assert.True(e is ArgumentException or FileNotFoundException, e.GetType().Name);
        Assert.Contains(name, (e as ArgumentException)?.ParamName + " " + e.Message);
    }

    [Fact]
    public void ValidationSetWithOtherClassCountIsRejected()
    {
        var data = SyntheticImages.Data(ml, 2, 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);
        var twoClasses = ml.Data.FilterByCustomPredicate<BytesRow>(data, r => r.Label == "blue");
        var options = SyntheticImages.TinyOptions(epochs: 1);
        options.ValidationSet = ml.Transforms.Conversion.MapValueToKey("Label").Fit(twoClasses).Transform(twoClasses);
        var e = Assert.Throws<ArgumentException>(() => new VitImageClassificationTrainer(options).Fit(keys.Transform(data)));
        Assert.Contains("ValidationSet", e.Message);
    }

    [Fact]
    public void ExactAttentionNeedsNoGroupChecks()
    {
        var options = SyntheticImages.TinyOptions(AttentionOptions.Exact with { GroupSize = 3 });
        _ = new VitImageClassificationTrainer(options); // G is ignored by exact attention
    }
}
