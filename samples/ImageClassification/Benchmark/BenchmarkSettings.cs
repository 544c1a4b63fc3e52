using TorchSharp;

namespace ImageClassification.Benchmark;

/// <summary>What the inference benchmark measures.</summary>
/// <param name="Device">Device.</param>
/// <param name="DType">Element type of the whole model.</param>
/// <param name="Models">Model names (see <see cref="VitModels"/>).</param>
/// <param name="ImageSizes">Image sides.</param>
/// <param name="GroupSizes">DistrAttention G values.</param>
/// <param name="BlockSizes">DistrAttention l values: each G runs with each, side by side in one run.</param>
/// <param name="Batch">Images per forward.</param>
/// <param name="Warmup">Warm-up runs per measurement.</param>
/// <param name="Repetitions">Timed runs per measurement (median).</param>
/// <param name="OutputDirectory">Output folder.</param>
/// <param name="SkipReference">Do not time the DistrAttention reference.</param>
/// <param name="EndToEndOnly">Time only the whole forward, not one attention call per layer.</param>
/// <param name="Classes">Classes of the head.</param>
/// <param name="Channels">Image channels.</param>
/// <param name="PatchSize">Patch side.</param>
/// <param name="Rounds">Rounds of the interleaved end-to-end timing (<see cref="InterleavedTimer"/>): every attention of a
/// model and size runs once per round, and <paramref name="Repetitions"/> is split over the rounds.</param>
public sealed record BenchmarkSettings(
    torch.Device Device, torch.ScalarType DType, IReadOnlyList<string> Models, IReadOnlyList<int> ImageSizes,
    IReadOnlyList<int> GroupSizes, IReadOnlyList<int> BlockSizes, int Batch, int Warmup, int Repetitions, string OutputDirectory, bool SkipReference,
    bool EndToEndOnly = false, int Classes = 1000, int Channels = 3, int PatchSize = 16, int Rounds = 5);
