using TorchSharp;

namespace ImageClassification.Benchmark;

/// <summary>What the benchmark measures.</summary>
public sealed record BenchmarkSettings(
    torch.Device Device, torch.ScalarType DType, IReadOnlyList<string> Models, IReadOnlyList<int> ImageSizes,
    IReadOnlyList<int> GroupSizes, int BlockSize, int Batch, int Warmup, int Repetitions, string OutputDirectory, bool SkipReference);
