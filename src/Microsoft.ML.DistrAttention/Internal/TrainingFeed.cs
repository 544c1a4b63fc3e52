using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// The training batches of a whole run, in order: each epoch a fresh shuffle, then per batch the augmentation draws,
/// both from one seeded <see cref="Random"/> that only this sequence uses, so a seed gives the same batches however
/// far ahead a <see cref="BatchPrefetcher{T}"/> runs. With a sampler (data parallelism) each epoch is this rank's shard
/// instead of a shuffle of every image.
/// </summary>
internal sealed class TrainingFeed(DeviceImages images, IReadOnlyList<int> labels, BatchBuilder builder, Device device,
    int batchSize, int cropPadding, bool flip, global::DistrAttention.Vit.Distributed.DistributedSampler? sampler = null)
{
    public int BatchesPerEpoch => ((sampler?.ShardSize ?? images.Count) + batchSize - 1) / batchSize;

    /// <summary>Every batch of <paramref name="epochs"/> epochs; the caller disposes each.</summary>
    public IEnumerable<TrainingBatch> Batches(int epochs, Random random)
    {
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            int[] order = sampler?.Indices(epoch) ?? Enumerable.Range(0, images.Count).ToArray();
            if (sampler is null) random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize)
                yield return Make(order.AsSpan(start, Math.Min(batchSize, order.Length - start)), random);
        }
    }

    /// <summary>The batch of <paramref name="rows"/>, augmented with draws from <paramref name="random"/>.</summary>
    public TrainingBatch Make(ReadOnlySpan<int> rows, Random random)
    {
        var augmentation = Augmentation.Draw(random, rows.Length, cropPadding, flip);
        var index = new long[rows.Length];
        var y = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            index[i] = rows[i];
            y[i] = labels[rows[i]];
        }
        // Made on the prefetch thread: nothing may stay in this thread's scope, the consumer disposes the batch.
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = builder.Build(images.Gather(index), augmentation);
        var target = torch.tensor(y, device: device);
        return new TrainingBatch(x.DetachFromDisposeScope(), target.DetachFromDisposeScope());
    }
}
