namespace ImageClassification.Benchmark;

/// <summary>One measured configuration: a ViT size at an image size with one attention implementation.</summary>
/// <param name="Model">tiny, small or base.</param>
/// <param name="ImageSize">Input side in pixels.</param>
/// <param name="Tokens">N = patches + class token.</param>
/// <param name="Attention">Exact, Reference or Native.</param>
/// <param name="GroupSize">G (1 for exact).</param>
/// <param name="BlockSize">DistrAttention l (0 for exact).</param>
/// <param name="ImagesPerSecond">End-to-end forward throughput (median), or NaN when not run.</param>
/// <param name="AttentionMs">Time of one attention call on [batch, H, N, d] (one layer): median over repetitions of
/// back-to-back calls, per call; or NaN.</param>
/// <param name="Note">Why a value is missing, or empty.</param>
/// <param name="RoundImagesPerSecond">Images/s of each round of the interleaved timing (<see cref="InterleavedTimer"/>), in
/// round order: paired with Exact's of the same round they give the spread of the ratio; null when not measured.</param>
public sealed record BenchmarkRow(string Model, int ImageSize, int Tokens, string Attention, int GroupSize, int BlockSize,
    double ImagesPerSecond, double AttentionMs, string Note, IReadOnlyList<double>? RoundImagesPerSecond = null);
