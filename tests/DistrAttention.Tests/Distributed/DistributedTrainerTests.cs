using DistrAttention.Tests.Trainer;

namespace DistrAttention.Tests.Distributed;

/// <summary>
/// The trainer as two ranks of one job on the CPU (threads and <see cref="ThreadGroup"/> in place of processes and NCCL):
/// each rank trains on its half of every epoch, both end with the same model and the same history (loss and accuracy
/// over both ranks), and the option's errors name it.
/// </summary>
public class DistributedTrainerTests
{
    public DistributedTrainerTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void TwoRanksEndWithOneModelAndOneHistory()
    {
        var rows = SyntheticImages.Rows(perClass: 14, seed: 3);      // 42 images: shards of 21, 3 batches of 8 per epoch
        var validationRows = SyntheticImages.Rows(perClass: 4, seed: 4);
        var results = ThreadGroup.Run(2, (rank, group) =>
        {
            var ml = new MLContext(seed: 1);
            var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows));
            var options = SyntheticImages.TinyOptions(epochs: 3);
            options.BatchSize = 8;
            options.NumberOfThreads = 1;
            options.ValidationSet = keys.Transform(ml.Data.LoadFromEnumerable(validationRows));
            options.DistributedGroup = group;
            var reports = new List<TrainingProgress>();
            options.Progress = new Progress(reports.Add);
            using var vit = new VitImageClassificationTrainer(options).Fit(keys.Transform(ml.Data.LoadFromEnumerable(rows)));
            var weights = vit.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
            return (weights, vit.History, reports);
        });
        var (first, second) = (results[0], results[1]);
        foreach (var (name, value) in first.weights)
            Assert.True(value.eq(second.weights[name]).all().item<bool>(), $"{name} differs between the ranks");
        Assert.Equal(first.History.Epochs.Select(e => (e.TrainLoss, e.TrainAccuracy, e.ValidationAccuracy)),
            second.History.Epochs.Select(e => (e.TrainLoss, e.TrainAccuracy, e.ValidationAccuracy)));
        Assert.All(first.reports, r => Assert.Equal(3, r.BatchesPerEpoch)); // ⌈21 / 8⌉ steps per epoch on each rank
        Assert.True(first.History.Epochs[^1].TrainLoss < first.History.Epochs[0].TrainLoss, "the loss over both ranks decreases");
    }

    [Fact]
    public void DistributedWithoutItsEnvironmentNamesTheVariables()
    {
        var options = SyntheticImages.TinyOptions();
        options.Distributed = true;
        var e = Assert.Throws<ArgumentException>(() => new VitImageClassificationTrainer(options));
        Assert.Equal("Distributed", e.ParamName);
        Assert.Contains("WORLD_SIZE is not set", e.Message);
        Assert.Contains("--gpus N", e.Message);
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
