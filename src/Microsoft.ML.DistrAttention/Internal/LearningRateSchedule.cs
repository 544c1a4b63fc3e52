namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Linear warm-up from 0 to the peak, then cosine decay to the minimum, per optimisation step.</summary>
internal sealed class LearningRateSchedule(double peak, double minimum, int warmupSteps, int totalSteps)
{
    /// <summary>Learning rate for 0-based <paramref name="step"/>.</summary>
    public double At(int step)
    {
        if (step < warmupSteps)
            return peak * (step + 1) / warmupSteps;
        int decaySteps = Math.Max(1, totalSteps - warmupSteps);
        double progress = Math.Min(1.0, (double)(step - warmupSteps) / decaySteps);
        return minimum + 0.5 * (peak - minimum) * (1 + Math.Cos(Math.PI * progress));
    }
}
