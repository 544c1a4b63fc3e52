using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.GpuTests;

/// <summary>ViT logits with native vs reference attention on the same weights (same R: same seed).</summary>
internal static class VitChecks
{
    public static void Run(Harness h)
    {
        // bf16 keeps 8 mantissa bits to fp16's 11: its rounding unit is 8× larger, so its tolerance is doubled
        // (measured on the H100: fp16 1.7e-3, bf16 1.0e-2 over 12 blocks).
        foreach (var (dtype, tolerance) in new[] { (ScalarType.Float16, 1e-2), (ScalarType.BFloat16, 2e-2) })
            h.Check($"ViT-Tiny 224 px logits, whole model in {dtype}: native vs reference", () => Compare(dtype, ComputePrecision.Float32, tolerance));
        // Autocast-like Float16 casts every matrix product's operands (not only attention's): same rounding class as
        // the whole-fp16 model plus float32 layer norms; the 3e-2 bound is the one of the earlier attention-only cast.
        h.Check("ViT-Tiny 224 px logits, fp32 model with Precision=Float16: native vs fp32 reference", () =>
            Compare(ScalarType.Float32, ComputePrecision.Float16, 3e-2));
    }

    private static string Compare(ScalarType modelType, ComputePrecision precision, double tolerance)
    {
        using var scope = NewDisposeScope();
        // Fixed seeds (printed): the model's initial weights come from TorchSharp's global generator, the images from their own.
        ulong seed = KernelChecks.CaseSeed("vit", modelType, precision);
        manual_seed((long)seed);
        var reference = new AttentionOptions { GroupSize = 2, BlockSize = 64, Implementation = AttentionImplementation.Reference };
        using var model = new VisionTransformer(VitConfig.Tiny(224, 10) with { Attention = reference });
        model.eval();
        model.to(CUDA);
        if (modelType != ScalarType.Float32) model.to(modelType);
        var images = TensorMath.Seeded(seed + 1, CUDA, modelType, 4, 3, 224, 224);
        using var noGrad = no_grad();
        var expected = model.forward(images).to(ScalarType.Float32);

        model.SetAttention(reference with { Implementation = AttentionImplementation.Native });
        if (modelType != ScalarType.Float32) model.to(modelType);
        model.Precision = precision;
        var logits = model.forward(images).to(ScalarType.Float32);
        var paths = model.Blocks.Select(b => ((DistrAttentionCuda)b.Attention.Kernel).LastPath).Distinct().ToList();
        if (paths.Count != 1 || paths[0] != AttentionPath.Native) return $"not every block ran native: {string.Join(", ", paths)}";
        double error = TensorMath.RelativeError(logits, expected);
        bool sameArgmax = logits.argmax(1).eq(expected.argmax(1)).all().item<bool>();
        string detail = $"seed {seed}: logits rel err {error:E2} (≤ {tolerance:E0}), argmax {(sameArgmax ? "identical" : "differs")}";
        return error <= tolerance ? "ok: " + detail : detail;
    }
}
