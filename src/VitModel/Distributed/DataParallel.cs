using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Distributed;

/// <summary>
/// What data parallelism adds to a training step, over a group of ranks (<see cref="ICollectives"/>): rank 0's weights
/// copied to every rank at the start, gradients averaged over the ranks after each backward, and a step's loss and hits
/// summed over the ranks. The gradients are one flat float32 buffer (the trainer's AdamW keeps them so), all-reduced as
/// consecutive buckets of <see cref="BucketBytes"/> in one NCCL group. The all-reduce starts after the whole backward:
/// TorchSharp 0.107 exposes no gradient hooks (<c>register_hook</c>, post-accumulate-grad hooks), so it cannot overlap
/// the backward as PyTorch DDP does.
/// </summary>
public sealed class DataParallel
{
    /// <summary>Default bucket size, PyTorch DDP's 25 MiB.</summary>
    public const long DefaultBucketBytes = 25L * 1024 * 1024;

    /// <summary>Wraps <paramref name="group"/>.</summary>
    /// <param name="group">The ranks of this job.</param>
    /// <param name="bucketBytes">Largest all-reduce bucket in bytes.</param>
    public DataParallel(ICollectives group, long bucketBytes = DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 4);
        Group = group;
        BucketBytes = bucketBytes;
    }

    /// <summary>The ranks.</summary>
    public ICollectives Group { get; }

    /// <summary>This rank.</summary>
    public int Rank => Group.Rank;

    /// <summary>Number of ranks.</summary>
    public int WorldSize => Group.WorldSize;

    /// <summary>Largest all-reduce bucket in bytes.</summary>
    public long BucketBytes { get; }

    /// <summary>
    /// Makes every rank's <paramref name="model"/> rank 0's: one broadcast of <paramref name="flatParameters"/> (the
    /// buffer the trainable parameters are views of), then one per parameter outside it and one per buffer (e.g.
    /// DistrAttention's R).
    /// </summary>
    /// <param name="model">This rank's model, on this rank's device.</param>
    /// <param name="flatParameters">The flat buffer behind every parameter with <c>requires_grad</c>; null broadcasts each parameter.</param>
    public void BroadcastModel(nn.Module model, Tensor? flatParameters = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (flatParameters is not null)
            Group.Broadcast(flatParameters, 0);
        foreach (var p in model.parameters())
            if (flatParameters is null || !p.requires_grad)
                BroadcastInPlace(p);
        foreach (var b in model.buffers())
            BroadcastInPlace(b);
    }

    /// <summary>
    /// Replaces this rank's gradients by their mean over the ranks: divides by the world size first (as DDP's default
    /// hook; exact for a power of two), then sums bucket by bucket.
    /// </summary>
    /// <param name="flatGradients">The contiguous 1-D gradient buffer.</param>
    public void AverageGradients(Tensor flatGradients)
    {
        ArgumentNullException.ThrowIfNull(flatGradients);
        if (flatGradients.dim() != 1 || !flatGradients.is_contiguous())
            throw new ArgumentException("flatGradients must be one contiguous 1-D buffer.", nameof(flatGradients));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (WorldSize > 1)
            flatGradients.div_(WorldSize);
        var buckets = GradientBuckets.Plan(flatGradients.numel(), (int)flatGradients.ElementSize, BucketBytes);
        Group.AllReduceSum(buckets.Select(b => flatGradients.narrow(0, b.Offset, b.Count)).ToList());
    }

    /// <summary>
    /// A step's metrics over every rank: the mean of the ranks' mean losses (the loss of the whole global batch, since
    /// the ranks' batches are of one size) and the summed hit count. Nothing waits for the device.
    /// </summary>
    /// <param name="meanLoss">This rank's mean loss (a scalar).</param>
    /// <param name="hits">This rank's correct predictions (an integer scalar).</param>
    /// <returns>The global mean loss (float32) and hits (int64), scalars on the inputs' device.</returns>
    public (Tensor MeanLoss, Tensor Hits) ReduceStepMetrics(Tensor meanLoss, Tensor hits)
    {
        ArgumentNullException.ThrowIfNull(meanLoss);
        ArgumentNullException.ThrowIfNull(hits);
        using var scope = NewDisposeScope();
        var packed = stack([meanLoss.detach().to(ScalarType.Float64).reshape(), hits.to(ScalarType.Float64).reshape()]);
        Group.AllReduceSum([packed]);
        var loss = packed[0].div(WorldSize).to(ScalarType.Float32);
        var total = packed[1].round().to(ScalarType.Int64);
        return (loss.MoveToOuterDisposeScope(), total.MoveToOuterDisposeScope());
    }

    /// <summary>Rank 0's <paramref name="value"/> on every rank (e.g. a validation accuracy every rank must act on alike).</summary>
    /// <param name="value">This rank's value.</param>
    /// <param name="device">This rank's device.</param>
    public double FromRankZero(double value, Device device)
    {
        using var scope = NewDisposeScope();
        var t = tensor(new[] { value }, ScalarType.Float64, device);
        Group.Broadcast(t, 0);
        return t.item<double>();
    }

    private void BroadcastInPlace(Tensor t)
    {
        if (t.is_contiguous())
        {
            Group.Broadcast(t, 0);
            return;
        }
        var copy = t.contiguous();
        Group.Broadcast(copy, 0);
        t.copy_(copy);
    }
}
