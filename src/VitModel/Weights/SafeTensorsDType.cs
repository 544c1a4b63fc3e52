using static TorchSharp.torch;

namespace DistrAttention.Vit.Weights;

/// <summary>Maps safetensors dtype names to TorchSharp scalar types.</summary>
internal static class SafeTensorsDType
{
    private static readonly (string Name, ScalarType Type)[] Map =
    [
        ("F32", ScalarType.Float32), ("F16", ScalarType.Float16), ("BF16", ScalarType.BFloat16),
        ("F64", ScalarType.Float64), ("I64", ScalarType.Int64), ("I32", ScalarType.Int32),
        ("U8", ScalarType.Byte), ("BOOL", ScalarType.Bool),
    ];

    /// <summary>The scalar type of a safetensors dtype name, or null if unsupported.</summary>
    public static ScalarType? Parse(string name)
    {
        foreach (var (n, t) in Map)
            if (n == name) return t;
        return null;
    }

    /// <summary>The safetensors name of a scalar type.</summary>
    /// <exception cref="ArgumentException">The type has no supported safetensors name.</exception>
    public static string Name(ScalarType type)
    {
        foreach (var (n, t) in Map)
            if (t == type) return n;
        throw new ArgumentException($"Tensors of dtype {type} cannot be written to safetensors here; supported: F32, F16, BF16, F64, I64, I32, U8, BOOL.", nameof(type));
    }

    /// <summary>Bytes per element.</summary>
    public static int Size(ScalarType type) => type switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        _ => 1,
    };
}
