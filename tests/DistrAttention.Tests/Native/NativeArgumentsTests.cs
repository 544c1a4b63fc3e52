using DistrAttention.Vit.Native;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Native;

/// <summary>Managed checks of the native call's tensors, on synthetic layouts (no GPU, no native library).</summary>
public class NativeArgumentsTests
{
    private static readonly AttentionOptions Options = new() { GroupSize = 2, BlockSize = 64 };

    internal static NativeTensorLayout Layout(string name, long[] shape, ScalarType dtype = ScalarType.Float16,
        long[]? strides = null, long address = 0x10000, int device = 0)
    {
        if (strides is null)
        {
            strides = new long[shape.Length];
            long s = 1;
            for (int i = shape.Length - 1; i >= 0; i--) { strides[i] = s; s *= shape[i]; }
        }
        return new NativeTensorLayout(name, shape, strides, dtype, DeviceType.CUDA, device, address);
    }

    internal static DaFwdParams Build(long nq = 197, long d = 64, ScalarType dtype = ScalarType.Float16,
        long[]? qStrides = null, long qAddress = 0x10000, AttentionOptions? options = null, int device = 0)
    {
        var o = options ?? Options;
        long blocks = (nq + o.BlockSize - 1) / o.BlockSize;
        return NativeArguments.Build(
            Layout("q", [2, 3, nq, d], dtype, qStrides, qAddress, device), Layout("k", [2, 3, nq, d], dtype),
            Layout("v", [2, 3, nq, d], dtype), Layout("output", [2, 3, nq, d], dtype),
            Layout("r", [o.BlockSize, 16], ScalarType.Float32),
            Layout("logSumExp", [2, 3, nq], ScalarType.Float32), Layout("permutations", [2, 3, blocks, d], ScalarType.Int32),
            o, scale: null);
    }

    [Fact]
    public void StructMatchesTheCHeaderSize()
    {
        Assert.Equal(DaFwdParams.ExpectedSize, System.Runtime.InteropServices.Marshal.SizeOf<DaFwdParams>());
    }

    [Fact]
    public void ValidArgumentsFillTheStruct()
    {
        // q as the slice of a packed qkv projection [B, N, 3, H, d] permuted to [B, H, N, d]: a strided view.
        var p = Build(qStrides: [197 * 3 * 3 * 64, 64, 3 * 3 * 64, 1]);
        Assert.Equal((uint)DaFwdParams.ExpectedSize, p.StructSize);
        Assert.Equal(1u, p.Version);
        Assert.Equal((2, 3, 197, 197, 64), (p.Batch, p.Heads, p.Nq, p.Nk, p.HeadDim));
        Assert.Equal((576L, 64L), (p.QRowStride, p.QHeadStride));
        Assert.Equal((2, 64, 0, 0f, 0u), (p.GroupSize, p.BlockL, p.Mode, p.Scale, p.Flags));
        Assert.NotEqual(IntPtr.Zero, p.Lse);
        Assert.NotEqual(IntPtr.Zero, p.PermOut);
    }

    [Fact]
    public void BFloat16AndCausalAndSampleAreEncoded()
    {
        var p = Build(dtype: ScalarType.BFloat16, options: Options with { Causal = true, Mode = DistrAttentionMode.Sample, GroupSize = 4, BlockSize = 128 });
        Assert.Equal((1, 1, 1u, 4, 128), (p.DType, p.Mode, p.Flags, p.GroupSize, p.BlockL));
    }

    [Fact]
    public void LastDimensionMustBeContiguous()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(qStrides: [2 * 3 * 197 * 64, 197 * 64, 64, 2]));
        Assert.Equal("q", e.ParamName);
        Assert.Contains("contiguous", e.Message);
    }

    [Fact]
    public void StridesMustBeMultiplesOfEight()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(qStrides: [3 * 197 * 68, 197 * 68, 68 + 4, 1]));
        Assert.Contains("multiple of 8", e.Message);
    }

    [Fact]
    public void PointersMustBeSixteenByteAligned()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(qAddress: 0x10008));
        Assert.Contains("16-byte aligned", e.Message);
    }

    [Fact]
    public void Float32IsRefusedWithItsName()
    {
        var e = Assert.Throws<ArgumentException>(() => Build(dtype: ScalarType.Float32));
        Assert.Equal("q", e.ParamName);
        Assert.Contains("Float16 or BFloat16", e.Message);
    }

    [Theory]
    [InlineData(48, 2, 64, "head_dim 48")]
    [InlineData(64, 2, 32, "block_l 32")]
    [InlineData(64, 16, 256, "block_l 256")]
    public void UnsupportedConfigurationsAreNotSupported(int d, int g, int l, string expected)
    {
        var e = Assert.Throws<NotSupportedException>(() => Build(d: d, options: Options with { GroupSize = g, BlockSize = l }));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void OtherGpusThanTheCurrentOneAreNotSupported()
    {
        var e = Assert.Throws<NotSupportedException>(() => Build(device: 1));
        Assert.Contains("CUDA_VISIBLE_DEVICES", e.Message);
    }

    [Fact]
    public void CpuTensorsAreRefused()
    {
        var q = new NativeTensorLayout("q", [1, 1, 64, 64], [4096, 4096, 64, 1], ScalarType.Float16, DeviceType.CPU, -1, 0x1000);
        var cuda = Layout("k", [1, 1, 64, 64]);
        var e = Assert.Throws<ArgumentException>(() => NativeArguments.Build(q, cuda, cuda, cuda,
            Layout("r", [64, 16], ScalarType.Float32), null, null, Options, null));
        Assert.Contains("CUDA", e.Message);
    }

    [Fact]
    public void ProjectionMustBeFloat32OfShapeLBy16()
    {
        var x = Layout("x", [1, 1, 64, 64]);
        var e = Assert.Throws<ArgumentException>(() => NativeArguments.Build(x, x, x, x,
            Layout("r", [128, 16], ScalarType.Float32), null, null, Options, null));
        Assert.Equal("r", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => NativeArguments.Build(x, x, x, x,
            Layout("r", [64, 16], ScalarType.Float16), null, null, Options, null));
        Assert.Contains("Float32", e.Message);
    }

    // What the library answers for the fused forward and for the hashing pre-pass alone: d = 128 runs in da_forward
    // but not in da_qtilde, and with G = 1 the pre-pass has nothing to write.
    [Theory]
    [InlineData(32, 1, 64, ScalarType.Float16, null, "nothing to write")]
    [InlineData(64, 2, 64, ScalarType.Float16, null, null)]
    [InlineData(32, 4, 128, ScalarType.BFloat16, null, null)]
    [InlineData(128, 16, 128, ScalarType.BFloat16, null, "head_dim 32 and 64")]
    [InlineData(64, 2, 64, ScalarType.Float32, "Float16 or BFloat16", "Float16 or BFloat16")]
    [InlineData(96, 2, 64, ScalarType.Float16, "head_dim 96", "head_dim 96")]
    [InlineData(64, 2, 32, ScalarType.BFloat16, "block_l 32", "block_l 32")]
    [InlineData(64, 3, 64, ScalarType.Float16, "group_size 3", "group_size 3")]
    public void SupportMatrix(int d, int g, int l, ScalarType dtype, string? forward, string? prePass)
    {
        var options = new AttentionOptions { GroupSize = g, BlockSize = l };
        AssertReason(forward, NativeSupport.WhyNot(d, d, options, dtype));
        AssertReason(prePass, NativeSupport.WhyNotQTilde(d, options, dtype));
    }

    private static void AssertReason(string? expected, string? actual)
    {
        if (expected is null) Assert.Null(actual);
        else Assert.Contains(expected, actual);
    }
}
