using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

/// <summary>Random inputs and tensor ↔ array helpers for the model tests.</summary>
internal static class TensorTestData
{
    /// <summary>Seeded Gaussian tensor on the CPU.</summary>
    public static Tensor Randn(long seed, ScalarType dtype, params long[] shape)
    {
        TorchRuntime.EnsureInitialized();
        using var generator = new Generator((ulong)seed);
        return randn(shape, ScalarType.Float32, generator: generator).to(dtype);
    }

    /// <summary>Slice [b, h] of a 4-D tensor as a double matrix.</summary>
    public static double[,] Slice(Tensor t, int b, int h)
    {
        using var s = t[b, h].to(ScalarType.Float64).cpu().contiguous();
        var flat = s.data<double>().ToArray();
        int rows = (int)s.shape[0], cols = (int)s.shape[1];
        var m = new double[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                m[i, j] = flat[i * cols + j];
        return m;
    }

    /// <summary>A 2-D float tensor as a float matrix.</summary>
    public static float[,] Matrix(Tensor t)
    {
        using var s = t.to(ScalarType.Float32).cpu().contiguous();
        var flat = s.data<float>().ToArray();
        int rows = (int)s.shape[0], cols = (int)s.shape[1];
        var m = new float[rows, cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                m[i, j] = flat[i * cols + j];
        return m;
    }

    /// <summary>‖a − b‖ / ‖b‖ in double.</summary>
    public static double RelativeError(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var x = a.to(ScalarType.Float64);
        var y = b.to(ScalarType.Float64);
        return x.sub(y).norm().item<double>() / y.norm().item<double>();
    }

    /// <summary>Same shape and identical elements.</summary>
    public static bool Identical(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();
}
