namespace DistrAttention.Vit.Training;

/// <summary>Hyper-parameters of <see cref="TrainingStep"/>: AdamW (PyTorch's defaults), label smoothing, clipping.</summary>
public sealed record TrainingStepOptions
{
    /// <summary>Initial learning rate; <see cref="TrainingStep.LearningRate"/> changes it between steps.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Decoupled weight decay, applied to weight matrices and embeddings (tensors of 2 or more dimensions).</summary>
    public double WeightDecay { get; init; } = 0.05;

    /// <summary>AdamW β1.</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW β2.</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>AdamW ε.</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Label smoothing of the cross-entropy loss.</summary>
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>Clip the global gradient norm to this value; 0 or less turns clipping off.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Checks the values; the message names the property.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a positive finite number.");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be >= 0.");
        if (!(Beta1 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "Beta1 must be in [0, 1).");
        if (!(Beta2 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "Beta2 must be in [0, 1).");
        if (!(Epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Epsilon must be > 0.");
        if (!(LabelSmoothing is >= 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(LabelSmoothing), LabelSmoothing, "LabelSmoothing must be in [0, 1).");
    }
}
