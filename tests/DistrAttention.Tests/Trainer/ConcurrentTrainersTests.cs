namespace DistrAttention.Tests.Trainer;

/// <summary>Trainers running at once in one process each get their own seed's initial weights.</summary>
[Collection(GlobalGeneratorCollection.Name)]
public sealed class ConcurrentTrainersTests
{
    public ConcurrentTrainersTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public async Task TrainersOnSeveralThreadsTrainWhatTheyTrainAlone()
    {
        var data = SyntheticImages.KeyedData(new MLContext(1));
        List<double> Losses(int seed) => SyntheticImages.TrainLosses(data, 2, o =>
        {
            o.Seed = seed;
            o.BatchSize = 6;
        });
        int[] seeds = [1, 2, 1, 2, 3, 1];
        var alone = seeds.Distinct().ToDictionary(s => s, Losses);

        // Each trainer seeds torch's process-wide generator and draws its weights from it; started together, their
        // seeding and drawing would interleave without the trainer's lock around them.
        using var start = new Barrier(seeds.Length);
        var together = seeds.Select(s => Task.Factory.StartNew(() => { start.SignalAndWait(); return Losses(s); }, TaskCreationOptions.LongRunning)).ToArray();
        var losses = await Task.WhenAll(together).WaitAsync(TimeSpan.FromMinutes(5));

        for (int i = 0; i < seeds.Length; i++)
            Assert.True(alone[seeds[i]].SequenceEqual(losses[i]),
                $"trainer {i} (seed {seeds[i]}) trained alone: {string.Join(", ", alone[seeds[i]])}; with others: {string.Join(", ", losses[i])}");
        Assert.NotEqual(alone[1], alone[2]);
    }
}
