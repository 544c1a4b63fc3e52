using DistrAttention.Vit.Model;
using DistrAttention.Runtime;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>What a fitted transformer needs besides the model: column names, normalisation, batch size, device, and the
/// compute precision (files saved before it existed load as Float32).</summary>
internal sealed record ScorerSettings(
    string LabelColumnName,
    string ImageColumnName,
    string ScoreColumnName,
    string PredictedLabelColumnName,
    float[] Mean,
    float[] Std,
    int BatchSize,
    ComputeDevice Device,
    ComputePrecision Precision = ComputePrecision.Float32);
