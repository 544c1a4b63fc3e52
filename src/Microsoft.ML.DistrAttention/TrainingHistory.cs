namespace Microsoft.ML.DistrAttention;

/// <summary>What happened while a model was trained: one entry per epoch, and how training ended.</summary>
public sealed class TrainingHistory
{
    /// <summary>Creates a history.</summary>
    /// <param name="epochs">Metrics per finished epoch, in order.</param>
    /// <param name="bestEpoch">1-based epoch whose weights the model holds (the last one without validation).</param>
    /// <param name="stoppedEarly">Whether early stopping ended training before the planned epochs.</param>
    public TrainingHistory(IReadOnlyList<EpochMetrics> epochs, int bestEpoch, bool stoppedEarly)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        Epochs = epochs;
        BestEpoch = bestEpoch;
        StoppedEarly = stoppedEarly;
    }

    /// <summary>Metrics per finished epoch, in order.</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; }

    /// <summary>1-based epoch whose weights the model holds (the best on validation when best weights were restored).</summary>
    public int BestEpoch { get; }

    /// <summary>Whether early stopping ended training before the planned number of epochs.</summary>
    public bool StoppedEarly { get; }

    /// <summary>An empty history (for models loaded without one).</summary>
    public static TrainingHistory Empty { get; } = new([], 0, false);
}
