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
}
