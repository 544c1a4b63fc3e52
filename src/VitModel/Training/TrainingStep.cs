using DistrAttention.Vit.Distributed;
using DistrAttention.Vit.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Training;

/// <summary>The tensors one <see cref="TrainingStep.Run"/> returns, detached, on the model's device.</summary>
/// <param name="Loss">The batch's mean loss, a float32 scalar (reading it synchronises with the device).</param>
/// <param name="Logits">The logits [B, classes] of the forward that produced the gradients.</param>
/// <param name="Applied">False when a float16 step overflowed and was skipped (the loss scale was lowered).</param>
public readonly record struct TrainingStepResult(Tensor Loss, Tensor Logits, bool Applied);

/// <summary>
/// One optimisation step of a <see cref="VisionTransformer"/> in its <see cref="VisionTransformer.Precision"/>:
/// forward (autocast-like), label-smoothed cross-entropy in float32, backward, global-norm clipping and AdamW on float32
/// master weights kept in one flat buffer (<see cref="FlatAdamW"/>); float16 adds dynamic loss scaling.
/// Nothing in a bfloat16 or float32 step waits for the device: the caller decides when to read the loss.
/// <para>
/// The constructor re-seats the model's parameters onto flat buffers: move the model to its device and set its
/// precision before, and do not move it while this object is in use.
/// </para>
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly VisionTransformer model;
    private readonly TrainingStepOptions options;
    private readonly FlatAdamW optimizer;
    private readonly LossScaler? scaler;
    private readonly DataParallel? parallel;

    /// <summary>Prepares the optimiser for <paramref name="model"/> (float32 parameters on one device).</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="options">Hyper-parameters.</param>
    /// <param name="parallel">Data parallelism: copies rank 0's weights to this rank now, and averages the gradients over
    /// the ranks after every backward (every rank must construct and run its steps alike). Null: one process.</param>
    /// <exception cref="ArgumentException">The parameters are not float32 on one device.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public TrainingStep(VisionTransformer model, TrainingStepOptions options, DataParallel? parallel = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.model = model;
        this.options = options;
        LearningRate = options.LearningRate;
        optimizer = new FlatAdamW(model.parameters().Where(p => p.requires_grad).ToList(), options);
        scaler = model.Precision == ComputePrecision.Float16 ? new LossScaler() : null;
        this.parallel = parallel;
        parallel?.BroadcastModel(model, optimizer.Values);
    }

    /// <summary>Learning rate of the next step (a schedule sets it between steps).</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps skipped because float16 gradients overflowed (0 for other precisions).</summary>
    public int SkippedSteps => scaler?.SkippedSteps ?? 0;

    /// <summary>Current float16 loss scale (1 for other precisions).</summary>
    public double LossScale => scaler?.Scale ?? 1.0;

    /// <summary>Trains on one batch and returns its loss and logits (detached; the caller disposes them).</summary>
    /// <param name="images">Images [B, C, S, S] on the model's device (float32, normalised).</param>
    /// <param name="labels">Class indices [B] (int64) on the model's device.</param>
    public TrainingStepResult Run(Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.dim() != 1 || labels.shape[0] != images.shape[0] || labels.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"labels must be an int64 vector of {images.shape[0]} class indices, got {labels.dtype} [{string.Join(", ", labels.shape)}].",
                nameof(labels));
        using var scope = NewDisposeScope();
        model.train();
        optimizer.ZeroGrad();
        var logits = model.forward(images);
        var loss = nn.functional.cross_entropy(logits.to(ScalarType.Float32), labels, label_smoothing: options.LabelSmoothing);
        bool applied = true;
        if (scaler is null)
        {
            loss.backward();
            parallel?.AverageGradients(optimizer.Gradients);
            optimizer.Step(LearningRate);
        }
        else
        {
            double scale = scaler.Scale;
            loss.mul(scale).backward();
            parallel?.AverageGradients(optimizer.Gradients); // before the overflow check, so every rank skips alike
            // Overflow check: a float16 step reads one scalar (a host sync), like PyTorch's GradScaler.
            bool finite = optimizer.GradientsFinite();
            applied = scaler.Update(finite);
            if (applied)
                optimizer.Step(LearningRate, 1.0 / scale);
        }
        return new TrainingStepResult(loss.detach().MoveToOuterDisposeScope(), logits.detach().MoveToOuterDisposeScope(), applied);
    }

    /// <summary>The flat gradient buffer of the last step (after averaging and clipping), for checks.</summary>
    internal Tensor FlatGradients => optimizer.Gradients;

    /// <inheritdoc />
    public void Dispose() => optimizer.Dispose();
}
