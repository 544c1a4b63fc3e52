namespace DistrAttention.Tests.Trainer;

public class TrainerTests(TrainedPipelineFixture fixture) : IClassFixture<TrainedPipelineFixture>
{
    [Fact]
    public void EvaluateGivesAccuracyWellAboveChance()
    {
        var metrics = fixture.Ml.MulticlassClassification.Evaluate(fixture.Model.Transform(fixture.Test));
        Assert.True(metrics.MicroAccuracy >= 0.8, $"micro accuracy {metrics.MicroAccuracy} (chance 0.33)");
        Assert.Equal(3, metrics.ConfusionMatrix.NumberOfClasses);
    }

    [Fact]
    public void OutputSchemaHasProbabilitiesAndKeyTypedPrediction()
    {
        var schema = fixture.Model.GetOutputSchema(fixture.Test.Schema);
        var score = schema["Score"];
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3), score.Type);
        var predicted = schema["PredictedLabel"];
        Assert.Equal(3UL, ((KeyDataViewType)predicted.Type).Count);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        predicted.Annotations.GetValue("KeyValues", ref names);
        Assert.Equal(SyntheticImages.Classes, names.DenseValues().Select(n => n.ToString()).ToArray());

        var scores = fixture.Model.Transform(fixture.Test).GetColumn<float[]>("Score").ToList();
        Assert.Equal(30, scores.Count);
        Assert.All(scores, s => Assert.Equal(1.0, s.Sum(), 3));
    }

    [Fact]
    public void PredictionEngineAgreesWithTransform()
    {
        var engine = fixture.Ml.Model.CreatePredictionEngine<BytesRow, EnginePrediction>(fixture.Model);
        var rows = fixture.Ml.Data.CreateEnumerable<BytesRow>(fixture.Test, reuseRowObject: false).ToList();
        var batch = fixture.Model.Transform(fixture.Test);
        var batchScores = batch.GetColumn<float[]>("Score").ToList();
        var batchLabels = batch.GetColumn<string>("PredictedLabelValue").ToList();
        int correct = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            var p = engine.Predict(rows[i]);
            Assert.Equal(batchScores[i], p.Score, new ToleranceComparer(1e-5f));
            if (p.PredictedLabel == rows[i].Label) correct++;
            Assert.Equal(batchLabels[i], p.PredictedLabel);
        }
        Assert.True(correct >= 24, $"{correct}/30 correct");
    }

    [Fact]
    public void HistoryProgressAndValidationAreRecorded()
    {
        var history = fixture.Vit.History;
        Assert.Equal(20, history.Epochs.Count);
        Assert.All(history.Epochs, e => Assert.NotNull(e.ValidationAccuracy));
        Assert.True(history.Epochs[^1].TrainLoss < history.Epochs[0].TrainLoss, "loss decreases");
        Assert.InRange(history.BestEpoch, 1, 20);
        var reports = fixture.Progress.Reports;
        Assert.Equal(20 * 4 + 20, reports.Count); // 60 images / 16 = 4 batches per epoch, plus one validation report per epoch
        Assert.Equal(20, reports.Count(r => r.ValidationAccuracy is not null));
        Assert.True(reports[^1].Elapsed > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, reports[^2].EstimatedRemaining);
    }

    [Fact]
    public void EstimatorSchemaPropagatesThroughMapKeyToValue()
    {
        var ml = fixture.Ml;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.VitImageClassification(SyntheticImages.TinyOptions()))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var shape = pipeline.GetOutputSchema(Shapes.Of(fixture.Train.Schema));
        Assert.Contains(shape, c => c.Name == "Score" && c.ItemType == NumberDataViewType.Single);
        Assert.Contains(shape, c => c.Name == "PredictedLabel" && c.ItemType == TextDataViewType.Instance);
    }

    [Fact]
    public void FineTunesExactModelWithDistrAttentionAndNewClassCount()
    {
        var ml = new MLContext(1);
        var train = SyntheticImages.Data(ml, perClass: 12, seed: 5);
        var exact = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.VitImageClassification(SyntheticImages.TinyOptions(AttentionOptions.Exact)))
            .Fit(train);
        var exactVit = exact.LastTransformer;
        Assert.Equal(AttentionKind.Exact, exactVit.Config.Attention.Kind);
        var before = exact.Transform(train).GetColumn<float[]>("Score").First();

        // Same classes: weights carry over, attention becomes DistrAttention.
        var tune = SyntheticImages.TinyOptions(SyntheticImages.Distr, epochs: 2);
        tune.InitialModel = exactVit;
        tune.LearningRate = 1e-4;
        tune.WarmupEpochs = 0;
        var tuned = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.VitImageClassification(tune)).Fit(train);
        Assert.Equal(AttentionKind.DistrAttention, tuned.LastTransformer.Config.Attention.Kind);
        Assert.True(ml.MulticlassClassification.Evaluate(tuned.Transform(train)).MicroAccuracy > 0.7);
        // The initial model is untouched.
        Assert.Equal(before, exact.Transform(train).GetColumn<float[]>("Score").First());
        Assert.Equal(AttentionKind.Exact, exactVit.Config.Attention.Kind);

        // Two classes only: the head is re-initialised with 2 outputs.
        var twoClasses = ml.Data.FilterByCustomPredicate<BytesRow>(train, r => r.Label == "blue");
        var tune2 = SyntheticImages.TinyOptions(SyntheticImages.Distr, epochs: 1);
        tune2.InitialModel = exactVit;
        var binary = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.VitImageClassification(tune2)).Fit(twoClasses);
        Assert.Equal(2, binary.LastTransformer.Config.NumClasses);
        Assert.Equal(2, binary.Transform(twoClasses).GetColumn<float[]>("Score").First().Length);
        exactVit.Dispose();
        tuned.LastTransformer.Dispose();
        binary.LastTransformer.Dispose();
    }

    [Fact]
    public void EarlyStoppingStopsAndRestoresBestWeights()
    {
        var ml = new MLContext(1);
        var train = SyntheticImages.Data(ml, perClass: 6, seed: 7);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var options = SyntheticImages.TinyOptions(epochs: 30);
        options.LearningRate = 1e-2;
        options.ValidationSet = keys.Transform(SyntheticImages.Data(ml, perClass: 4, seed: 8));
        options.EarlyStoppingPatience = 2;
        using var vit = new VitImageClassificationTrainer(options).Fit(keys.Transform(train));
        var history = vit.History;
        Assert.True(history.StoppedEarly);
        Assert.True(history.Epochs.Count < 30);
        double best = history.Epochs.Max(e => e.ValidationAccuracy!.Value);
        Assert.Equal(best, history.Epochs[history.BestEpoch - 1].ValidationAccuracy);
        Assert.Equal(history.BestEpoch + 2, history.Epochs.Count);
        var restored = ml.MulticlassClassification.Evaluate(vit.Transform(options.ValidationSet)).MicroAccuracy;
        Assert.Equal(best, restored, 6);
    }

    [Fact]
    public void LoadImagesPipelineWithGreyModelAndResizeInside()
    {
        var ml = new MLContext(1);
        using var temp = new TempFolder("vit-images");
        string folder = temp.Path;
        var random = new Random(3);
        var rows = new List<PathRow>();
        for (int i = 0; i < 12; i++)
            for (int c = 0; c < 3; c++)
            {
                string path = Path.Combine(folder, $"{c}-{i}.png");
                using (var image = SyntheticImages.Image(c, 24, random)) image.Save(path); // 24×24, resized to 16 inside
                rows.Add(new PathRow { Label = SyntheticImages.Classes[c], ImagePath = path });
            }
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = SyntheticImages.TinyOptions(epochs: 2);
        options.Config = options.Config! with { Channels = 1 };
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", folder, "ImagePath"))
            .Append(ml.MulticlassClassification.Trainers.VitImageClassification(options))
            .Fit(data);
        var scores = model.Transform(data).GetColumn<float[]>("Score").ToList();
        Assert.Equal(36, scores.Count);
        Assert.All(scores, s => Assert.Equal(3, s.Length));
        model.LastTransformer.Dispose();
    }

    public sealed class EnginePrediction
    {
        [ColumnName("PredictedLabelValue")]
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
