namespace DistrAttention.Tests.Trainer;

/// <summary>One pipeline trained once and shared: MapValueToKey → ViT (DistrAttention G = 2) → MapKeyToValue.</summary>
public sealed class TrainedPipelineFixture : IDisposable
{
    public TrainedPipelineFixture()
    {
        TorchRuntime.EnsureInitialized();
        Ml = new MLContext(seed: 1);
        Train = SyntheticImages.Data(Ml, perClass: 20, seed: 1);
        Test = SyntheticImages.Data(Ml, perClass: 10, seed: 2);
        Progress = new RecordingProgress();
        var options = SyntheticImages.TinyOptions();
        options.Progress = Progress;
        options.ValidationSet = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Train).Transform(Test);
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.MulticlassClassification.Trainers.VitImageClassification(options))
            .Append(Ml.Transforms.Conversion.MapKeyToValue("PredictedLabelValue", "PredictedLabel"));
        var fitted = pipeline.Fit(Train);
        Model = new TransformerChain<ITransformer>(fitted.ToArray());
        Vit = Model.OfType<VitImageClassificationTransformer>().Single();
    }

    public MLContext Ml { get; }
    public IDataView Train { get; }
    public IDataView Test { get; }
    public RecordingProgress Progress { get; }
    public TransformerChain<ITransformer> Model { get; }
    public VitImageClassificationTransformer Vit { get; }

    public void Dispose() => Vit.Dispose();
}

/// <summary>A synchronous IProgress (Progress&lt;T&gt; would post to the thread pool).</summary>
public sealed class RecordingProgress : IProgress<TrainingProgress>
{
    public List<TrainingProgress> Reports { get; } = [];
    public Action<TrainingProgress>? OnReport { get; set; }

    public void Report(TrainingProgress value)
    {
        Reports.Add(value);
        OnReport?.Invoke(value);
    }
}
