namespace DistrAttention.Vit.Training;

/// <summary>
/// Dynamic loss scaling for float16 training (PyTorch's GradScaler policy): the loss is multiplied by
/// <see cref="Scale"/> before the backward so small gradients do not flush to zero in float16; a step whose gradients
/// overflowed is skipped and halves the scale; 2,000 clean steps in a row double it.
/// </summary>
internal sealed class LossScaler
{
    private const double GrowthFactor = 2.0, BackoffFactor = 0.5;
    private const int GrowthInterval = 2000;
    private int cleanSteps;

    /// <summary>Current scale (starts at 2^16).</summary>
    public double Scale { get; private set; } = 65536.0;

    /// <summary>Steps skipped so far because of overflow.</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Records a step's outcome: true when the gradients were finite (the step may be applied).</summary>
    public bool Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale = Math.Max(Scale * BackoffFactor, 1.0);
            cleanSteps = 0;
            SkippedSteps++;
            return false;
        }
        if (++cleanSteps >= GrowthInterval)
        {
            Scale *= GrowthFactor;
            cleanSteps = 0;
        }
        return true;
    }
}
