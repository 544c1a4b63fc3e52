namespace DistrAttention.Tests.Trainer;

public class MemoryTests
{
    public MemoryTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void LiveTensorCountStaysFlatAcrossEpochsAndScoring()
    {
        var ml = new MLContext(1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(SyntheticImages.Data(ml, 8, 1))
            .Transform(SyntheticImages.Data(ml, 8, 1));
        var liveAtEpochEnd = new Dictionary<int, long>();
        var progress = new RecordingProgress
        {
            // Reports come synchronously on the training thread, where the statistics are kept.
            OnReport = r => { if (r.Batch == r.BatchesPerEpoch && r.ValidationAccuracy is null) liveAtEpochEnd[r.Epoch] = DisposeScopeManager.Statistics.ThreadTotalLiveCount; },
        };
        var options = SyntheticImages.TinyOptions(epochs: 4);
        options.Progress = progress;
        options.RandomCrop = true;
        options.HorizontalFlip = true;
        options.ValidationSet = data;
        using var vit = new VitImageClassificationTrainer(options).Fit(data);
        Assert.Equal(4, liveAtEpochEnd.Count);
        Assert.True(liveAtEpochEnd[4] - liveAtEpochEnd[2] <= 0, $"live tensors grew: {string.Join(", ", liveAtEpochEnd)}");

        var beforeScoring = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 3; i++)
            _ = vit.Transform(data).GetColumn<float[]>("Score").ToList();
        Assert.Equal(beforeScoring, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
