using DistrAttention.Vit.Distributed;
using DistrAttention.Vit.Training;
using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Distributed;

/// <summary>
/// <see cref="DataParallel"/> over an in-process job (<see cref="ThreadGroup"/>): gradient averaging in buckets, the
/// broadcast of rank 0's model, the step metrics, and two ranks' training steps against one step on the combined batch.
/// </summary>
public class DataParallelTests
{
    public DataParallelTests() => TorchRuntime.EnsureInitialized();

    private static VitConfig Config() =>
        VitConfig.Tiny(16, 5, 1, 4) with { EmbedDim = 32, NumHeads = 2, Depth = 2, Attention = DistrAttention.Vit.Attention.AttentionOptions.Exact };

    [Theory]
    [InlineData(2, 40)]      // 103 floats in buckets of 10: the last one short
    [InlineData(3, 4)]       // one float per bucket
    [InlineData(4, 1 << 20)] // one bucket
    public void GradientsBecomeTheirMeanOverTheRanks(int world, long bucketBytes)
    {
        var results = ThreadGroup.Run(world, (rank, group) =>
        {
            using var grads = arange(103, ScalarType.Float32).mul(rank + 1).add(rank * 0.25);
            new DataParallel(group, bucketBytes).AverageGradients(grads);
            return grads.data<float>().ToArray();
        });
        // Rank r holds (r + 1)·i + r/4: the mean is (w + 1)/2 · i + (w − 1)/8.
        var expected = Enumerable.Range(0, 103).Select(i => (world + 1) / 2.0 * i + (world - 1) / 8.0).ToArray();
        foreach (var r in results)
            for (int i = 0; i < 103; i++)
                Assert.True(Math.Abs(r[i] - expected[i]) <= 1e-4 * Math.Max(1, expected[i]), $"element {i}: {r[i]} vs {expected[i]}");
        Assert.All(results, r => Assert.Equal(results[0], r)); // every rank bitwise the same
    }

    [Fact]
    public void GradientsMustBeOneContiguousBuffer()
    {
        using var matrix = zeros(3, 4);
        var parallel = new DataParallel(new ThreadGroup(1).Member(0));
        Assert.Equal("flatGradients", Assert.Throws<ArgumentException>(() => parallel.AverageGradients(matrix)).ParamName);
    }

    [Fact]
    public void StepMetricsAreTheGlobalMeanLossAndTotalHits()
    {
        var results = ThreadGroup.Run(3, (rank, group) =>
        {
            using var loss = tensor(1.0f + rank); // ranks' mean losses 1, 2, 3 over equal batches
            using var hits = tensor(10L * rank, ScalarType.Int64);
            var (mean, total) = new DataParallel(group).ReduceStepMetrics(loss, hits);
            using (mean)
            using (total)
                return (mean.dtype, total.dtype, mean.item<float>(), total.item<long>(), new DataParallel(group).FromRankZero(rank + 0.5, CPU));
        });
        Assert.All(results, r => Assert.Equal((ScalarType.Float32, ScalarType.Int64, 2.0f, 30L, 0.5), r));
    }

    [Fact]
    public void TheModelBecomesRankZerosWithItsBuffers()
    {
        var states = ThreadGroup.Run(2, (rank, group) =>
        {
            manual_seed(100 + rank); // different weights on each rank, and a DistrAttention R from another seed
            var config = Config() with { Attention = new() { Seed = rank } };
            using var model = new VisionTransformer(config);
            new DataParallel(group).BroadcastModel(model);
            return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
        });
        Assert.Contains(states[0].Keys, k => k.EndsWith(".r", StringComparison.Ordinal)); // the R buffers are in it
        foreach (var (name, value) in states[0])
            Assert.True(value.eq(states[1][name]).all().item<bool>(), $"{name} differs after the broadcast");
    }

    [Fact]
    public void TwoRanksTrainLikeOneProcessOnTheCombinedBatch()
    {
        const int steps = 3;
        var options = new TrainingStepOptions { LearningRate = 1e-3, MaxGradNorm = 0 }; // no clipping: gradients compared as computed
        var x = Randn(7, ScalarType.Float32, 8, 1, 16, 16);
        var y = tensor(new long[] { 0, 1, 2, 3, 4, 0, 1, 2 });
        manual_seed(5);
        using var single = new VisionTransformer(Config());
        var initial = single.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        var singleLosses = new List<float>();
        Tensor singleFirstGradients = null!;
        using (var step = new TrainingStep(single, options))
            for (int i = 0; i < steps; i++)
            {
                singleLosses.Add(step.Run(x, y).Loss.item<float>());
                if (i == 0) singleFirstGradients = step.FlatGradients.clone();
            }

        var ranks = ThreadGroup.Run(2, (rank, group) =>
        {
            using var scope = NewDisposeScope();
            manual_seed(50 + rank);
            var model = new VisionTransformer(Config());
            if (rank == 0) model.load_state_dict(initial); // rank 1 starts elsewhere: the broadcast must fix it
            using var step = new TrainingStep(model, options, new DataParallel(group, bucketBytes: 4096));
            var half = x.narrow(0, 4 * rank, 4);
            var labels = y.narrow(0, 4 * rank, 4);
            var losses = new List<float>();
            Tensor first = null!;
            for (int i = 0; i < steps; i++)
            {
                losses.Add(step.Run(half, labels).Loss.item<float>());
                if (i == 0) first = step.FlatGradients.clone().DetachFromDisposeScope();
            }
            var weights = model.parameters().Select(p => p.detach().clone().DetachFromDisposeScope()).ToList();
            return (losses, first, weights);
        });

        for (int i = 0; i < steps; i++)
        {
            double mean = (ranks[0].losses[i] + ranks[1].losses[i]) / 2;
            double bound = i == 0 ? 1e-6 : 1e-4; // later steps carry the rounding of the gradients' other summation order
            Assert.True(Math.Abs(mean - singleLosses[i]) <= bound * Math.Abs(singleLosses[i]),
                $"step {i + 1}: mean of the ranks' losses {mean} vs combined batch {singleLosses[i]}");
        }
        double gradientError = ranks[0].first.sub(singleFirstGradients).norm().item<float>() / singleFirstGradients.norm().item<float>();
        Assert.True(gradientError < 1e-5, $"first-step averaged gradients vs the combined batch's: relative error {gradientError:E2}");
        Assert.True(ranks[0].first.eq(ranks[1].first).all().item<bool>(), "both ranks hold the same averaged gradients");
        foreach (var (a, b) in ranks[0].weights.Zip(ranks[1].weights))
            Assert.True(a.eq(b).all().item<bool>(), "both ranks hold the same weights after every step");
        // AdamW's first steps move a weight by about ±lr whatever its gradient's size, so a gradient that is rounding
        // noise (a sum that cancels) may move the other way: allow that for a few weights, and only that much.
        using var rankWeights = cat(ranks[0].weights.Select(w => w.flatten()).ToList());
        using var singleWeights = cat(single.parameters().Select(w => w.detach().flatten()).ToList());
        using var difference = rankWeights.sub(singleWeights).abs();
        double far = difference.gt(1e-5).sum().item<long>() / (double)difference.numel();
        Assert.True(far < 1e-3, $"{far:P3} of the weights differ by more than 1e-5 from the single-process run");
        Assert.True(difference.max().item<float>() <= 2 * options.LearningRate * steps, $"max weight difference {difference.max().item<float>():E2}");
    }
}
