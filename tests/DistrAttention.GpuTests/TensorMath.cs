using static TorchSharp.torch;

namespace DistrAttention.GpuTests;

/// <summary>Error measures and input helpers.</summary>
internal static class TensorMath
{
    /// <summary>‖a − b‖ / ‖b‖ in float64 (NaN anywhere gives NaN).</summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var x = a.to(ScalarType.Float64).cpu();
        var y = b.to(ScalarType.Float64).cpu();
        double den = y.norm().item<double>();
        return x.sub(y).norm().item<double>() / Math.Max(den, 1e-30);
    }

    /// <summary>Fresh random inputs (a new seed per call): N(0,1) or U[0,1) as in the paper's error table.</summary>
    public static Tensor Random(Device device, ScalarType dtype, bool uniform, params long[] shape)
    {
        using var generator = new Generator((ulong)System.Random.Shared.NextInt64(1, long.MaxValue), CPU);
        var t = uniform ? rand(shape, generator: generator) : randn(shape, generator: generator);
        return t.to(dtype, device);
    }

    /// <summary>N(0,1) inputs from a fixed seed (print it on failure), drawn on the CPU so every device sees the same values.</summary>
    public static Tensor Seeded(ulong seed, Device device, ScalarType dtype, params long[] shape)
    {
        using var generator = new Generator(seed, CPU);
        return randn(shape, generator: generator).to(dtype, device);
    }

    /// <summary>
    /// Largest ‖a_row − b_row‖ / max(‖b_row‖, 1e-2 · median row norm) over the rows of the last dimension, in float64.
    /// The floor keeps rows whose exact value is (near) zero from dividing rounding noise by zero: with a causal mask
    /// the first query sees one key, so its dq row is exactly 0 in fp64 while a bf16 kernel leaves ~1e-6 of noise
    /// (a relative error of 1e24 without the floor). A wrong row still shows: its error is of the rows' typical size.
    /// </summary>
    public static double WorstRowError(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var x = a.to(ScalarType.Float64).cpu();
        var y = b.to(ScalarType.Float64).cpu();
        var rowNorms = y.norm(-1);
        double floor = Math.Max(1e-2 * rowNorms.flatten().median().item<double>(), 1e-30);
        return x.sub(y).norm(-1).div(rowNorms.clamp_min(floor)).max().item<double>();
    }
}
