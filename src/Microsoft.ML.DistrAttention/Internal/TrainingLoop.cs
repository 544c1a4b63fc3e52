using System.Diagnostics;
using DistrAttention.Vit.Distributed;
using DistrAttention.Vit.Model;
using TorchSharp;
using DistrAttention.Vit.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// AdamW with warm-up + cosine schedule, label smoothing, augmentation, validation and early stopping.
/// Batches are made on the device by a <see cref="TrainingFeed"/> on a <see cref="BatchPrefetcher{T}"/> thread, one step ahead.
/// With <c>parallel</c> (one rank of a data-parallel job) the feed is this rank's shard of each epoch, gradients are
/// averaged over the ranks, the reported loss and accuracy are over all ranks, and rank 0's validation accuracy decides.
/// </summary>
internal sealed class TrainingLoop(VitImageClassificationTrainer.Options options, VisionTransformer model, Device device, float[] mean, float[] std,
    DataParallel? parallel = null)
{
    /// <summary>Trains in place and returns the history; the model ends with the best (or last) weights.</summary>
    public TrainingHistory Run(LabeledImages train, LabeledImages? validation, CancellationToken cancellation = default)
    {
        var o = options;
        var random = new Random(o.Seed + 7919 * (parallel?.Rank ?? 0)); // each rank draws its own augmentation
        using var trainImages = DeviceImages.Place(train.Images, device);
        using var validationImages = validation is null ? null : DeviceImages.Place(validation.Images, device);
        var builder = new BatchBuilder(model.Config.Channels, model.Config.ImageSize, mean, std);
        var feed = new TrainingFeed(trainImages, train.Labels, builder, device, o.BatchSize,
            o.RandomCrop ? o.RandomCropPadding : 0, o.HorizontalFlip,
            parallel is null ? null : new DistributedSampler(train.Count, parallel.Rank, parallel.WorldSize, o.Seed));
        var scorer = new VitScorer(model, device, mean, std);
        int batchesPerEpoch = feed.BatchesPerEpoch;
        int totalSteps = batchesPerEpoch * o.Epochs;
        var schedule = new LearningRateSchedule(o.LearningRate, o.MinLearningRate,
            (int)Math.Round(o.WarmupEpochs * batchesPerEpoch), totalSteps);

        // AdamW on flat float32 master weights (decay on matrices and embeddings only), clipping at MaxGradNorm, the
        // model's precision.
        using var optimizer = new TrainingStep(model, new TrainingStepOptions
        {
            LearningRate = o.LearningRate, WeightDecay = o.WeightDecay, LabelSmoothing = o.LabelSmoothing, MaxGradNorm = o.MaxGradNorm,
        }, parallel);

        var history = new List<EpochMetrics>();
        var clock = Stopwatch.StartNew();
        Dictionary<string, Tensor>? best = null;
        double bestAccuracy = double.NegativeInfinity;
        int bestEpoch = 0, sinceBest = 0, step = 0;
        bool stoppedEarly = false;
        double lr = 0;
        // The random sequence (shuffles, augmentation) belongs to the feed from here on.
        using var batches = new BatchPrefetcher<TrainingBatch>(feed.Batches(o.Epochs, random), depth: 2, cancellation);
        try
        {
            for (int epoch = 1; epoch <= o.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                double lossSum = 0, imagesPerSecond = 0;
                long correct = 0;
                int seen = 0;
                model.train();
                // A step's loss and hits are read after the next step is queued, so the device never waits for the host.
                StepOutcome? pending = null;
                for (int b = 0; b <= batchesPerEpoch; b++)
                {
                    StepOutcome? queued = null;
                    if (b < batchesPerEpoch)
                    {
                        cancellation.ThrowIfCancellationRequested();
                        lr = schedule.At(step++);
                        optimizer.LearningRate = lr;
                        using var batch = batches.Take();
                        queued = TrainStep(optimizer, batch.Images, batch.Labels, b + 1, parallel);
                    }
                    if (pending is { } done)
                    {
                        var (loss, hits) = done.Read();
                        if (!double.IsFinite(loss))
                            throw new InvalidOperationException(
                                $"Training diverged: the loss became {loss} at epoch {epoch}, batch {done.Batch}. Lower LearningRate (now {o.LearningRate}).");
                        lossSum += loss * done.Count;
                        correct += hits;
                        seen += done.Count;
                        imagesPerSecond = seen / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9);
                        o.Progress?.Report(new TrainingProgress(epoch, o.Epochs, done.Batch, batchesPerEpoch, lossSum / seen,
                            (double)correct / seen, lr, clock.Elapsed, Eta(clock.Elapsed, step, totalSteps), ImagesPerSecond: imagesPerSecond));
                    }
                    pending = queued;
                }

                double? accuracy = validationImages is null ? null : scorer.Accuracy(validationImages, validation!.Labels, o.BatchSize);
                if (parallel is not null && accuracy is { } own)
                    accuracy = parallel.FromRankZero(own, device); // early stopping and best weights alike on every rank
                history.Add(new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, accuracy, lr, epochClock.Elapsed));
                if (accuracy is { } a)
                {
                    o.Progress?.Report(new TrainingProgress(epoch, o.Epochs, batchesPerEpoch, batchesPerEpoch, lossSum / seen,
                        (double)correct / seen, lr, clock.Elapsed, Eta(clock.Elapsed, step, totalSteps), a, imagesPerSecond));
                    if (a > bestAccuracy)
                    {
                        bestAccuracy = a;
                        bestEpoch = epoch;
                        sinceBest = 0;
                        if (o.RestoreBestWeights)
                            best = Snapshot(best);
                    }
                    else if (o.EarlyStoppingPatience is { } patience && ++sinceBest >= patience)
                    {
                        stoppedEarly = epoch < o.Epochs;
                        break;
                    }
                }
            }

            if (best is not null)
                Restore(best);
            else
                bestEpoch = history.Count;
            return new TrainingHistory(history, bestEpoch, stoppedEarly);
        }
        finally
        {
            if (best is not null)
                foreach (var t in best.Values) t.Dispose();
        }
    }

    // x: model input [B, C, S, S], y: class indices [B], both on the device and owned by the caller.
    private static StepOutcome TrainStep(TrainingStep optimizer, Tensor x, Tensor y, int batch, DataParallel? parallel)
    {
        // Everything this batch creates (activations, gradients' temporaries) dies with the scope; the two scalars leave it.
        using var scope = torch.NewDisposeScope();
        var result = optimizer.Run(x, y);
        var (loss, hits) = (result.Loss, result.Logits.argmax(1).eq(y).sum());
        if (parallel is not null)
            (loss, hits) = parallel.ReduceStepMetrics(loss, hits); // every rank's batch has x.shape[0] images (equal shards)
        return new StepOutcome(loss.MoveToOuterDisposeScope(), hits.MoveToOuterDisposeScope(), (int)x.shape[0] * (parallel?.WorldSize ?? 1), batch);
    }

    /// <summary>A queued step's loss and hit count, still on the device; <see cref="Read"/> waits for them and frees them.</summary>
    private readonly record struct StepOutcome(Tensor Loss, Tensor Hits, int Count, int Batch)
    {
        public (double Loss, long Hits) Read()
        {
            using (Loss)
            using (Hits)
                return (Loss.item<float>(), Hits.item<long>());
        }
    }

    // Copies of every parameter and buffer on the CPU, outside any dispose scope.
    private Dictionary<string, Tensor> Snapshot(Dictionary<string, Tensor>? previous)
    {
        if (previous is not null)
            foreach (var t in previous.Values) t.Dispose();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu().clone().DetachFromDisposeScope());
    }

    private void Restore(Dictionary<string, Tensor> snapshot)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        foreach (var (name, value) in model.state_dict())
            if (snapshot.TryGetValue(name, out var saved))
                value.copy_(saved.to(value.device));
    }

    private static TimeSpan Eta(TimeSpan elapsed, int done, int total) =>
        done <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(elapsed.Ticks * (double)(total - done) / done));
}
