using System.Diagnostics;
using DistrAttention.Vit.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>AdamW with warm-up + cosine schedule, label smoothing, augmentation, validation and early stopping.</summary>
internal sealed class TrainingLoop(VitImageClassificationTrainer.Options options, VisionTransformer model, Device device, float[] mean, float[] std)
{
    /// <summary>Trains in place and returns the history; the model ends with the best (or last) weights.</summary>
    public TrainingHistory Run(LabeledImages train, LabeledImages? validation, CancellationToken cancellation = default)
    {
        var o = options;
        var random = new Random(o.Seed);
        var batches = new BatchBuilder(model.Config.Channels, model.Config.ImageSize, mean, std);
        var scorer = new VitScorer(model, device, mean, std);
        int batchesPerEpoch = (train.Count + o.BatchSize - 1) / o.BatchSize;
        int totalSteps = batchesPerEpoch * o.Epochs;
        var schedule = new LearningRateSchedule(o.LearningRate, o.MinLearningRate,
            (int)Math.Round(o.WarmupEpochs * batchesPerEpoch), totalSteps);

        // Decay weight matrices and embeddings only; biases and norm gains are 1-D.
        var parameters = model.parameters().ToList();
        using var optimizer = torch.optim.AdamW(
        [
            new AdamW.ParamGroup(parameters.Where(p => p.dim() >= 2), lr: o.LearningRate, weight_decay: o.WeightDecay),
            new AdamW.ParamGroup(parameters.Where(p => p.dim() < 2), lr: o.LearningRate, weight_decay: 0),
        ], lr: o.LearningRate);

        var history = new List<EpochMetrics>();
        var clock = Stopwatch.StartNew();
        Dictionary<string, Tensor>? best = null;
        double bestAccuracy = double.NegativeInfinity;
        int bestEpoch = 0, sinceBest = 0, step = 0;
        bool stoppedEarly = false;
        double lr = 0;
        try
        {
            for (int epoch = 1; epoch <= o.Epochs; epoch++)
            {
                var epochClock = Stopwatch.StartNew();
                int[] order = Enumerable.Range(0, train.Count).ToArray();
                random.Shuffle(order);
                double lossSum = 0;
                long correct = 0;
                int seen = 0;
                model.train();
                for (int b = 0; b < batchesPerEpoch; b++, step++)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var index = order.AsSpan(b * o.BatchSize, Math.Min(o.BatchSize, train.Count - b * o.BatchSize)).ToArray();
                    lr = schedule.At(step);
                    foreach (var group in optimizer.ParamGroups)
                        group.LearningRate = lr;
                    var (loss, hits) = TrainStep(optimizer, batches, train, index, random);
                    if (!double.IsFinite(loss))
                        throw new InvalidOperationException(
                            $"Training diverged: the loss became {loss} at epoch {epoch}, batch {b + 1}. Lower LearningRate (now {o.LearningRate}).");
                    lossSum += loss * index.Length;
                    correct += hits;
                    seen += index.Length;
                    o.Progress?.Report(new TrainingProgress(epoch, o.Epochs, b + 1, batchesPerEpoch, lossSum / seen,
                        (double)correct / seen, lr, clock.Elapsed, Eta(clock.Elapsed, step + 1, totalSteps)));
                }

                double? accuracy = validation is null ? null : scorer.Accuracy(validation, o.BatchSize);
                history.Add(new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, accuracy, lr, epochClock.Elapsed));
                if (accuracy is { } a)
                {
                    o.Progress?.Report(new TrainingProgress(epoch, o.Epochs, batchesPerEpoch, batchesPerEpoch, lossSum / seen,
                        (double)correct / seen, lr, clock.Elapsed, Eta(clock.Elapsed, step, totalSteps), a));
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

    private (double Loss, long Hits) TrainStep(AdamW optimizer, BatchBuilder batches, LabeledImages train, int[] index, Random random)
    {
        // Everything this batch creates (inputs, activations, gradients' temporaries) dies with the scope.
        using var scope = torch.NewDisposeScope();
        var images = index.Select(i => train.Images[i]).ToList();
        var x = batches.Build(images, device, random, options.RandomCrop ? options.RandomCropPadding : 0, options.HorizontalFlip);
        var y = torch.tensor(index.Select(i => (long)train.Labels[i]).ToArray(), device: device);
        optimizer.zero_grad();
        var logits = model.forward(x);
        var loss = torch.nn.functional.cross_entropy(logits, y, label_smoothing: options.LabelSmoothing);
        loss.backward();
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); // keeps early ViT training stable
        optimizer.step();
        long hits = logits.argmax(1).eq(y).sum().item<long>();
        return (loss.item<float>(), hits);
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
