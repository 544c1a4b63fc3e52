using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Native;

namespace DistrAttention.Tests.Native;

/// <summary>
/// The P/Invoke layer against the host-only native library (built by scripts/test.sh into native/cuda/build-host and
/// copied beside the tests when present): struct layout, da_check_params, status names, last-error messages. Without
/// that library (a plain <c>dotnet test</c>), the tests check that it is reported as missing, clearly.
/// </summary>
public class NativeLibraryTests
{
    [Fact]
    public void LibraryIsLoadedOrReportedMissingWithAHint()
    {
        if (DistrAttentionNative.IsLoaded)
        {
            Assert.NotNull(DistrAttentionNative.LibraryPath);
            return;
        }
        Assert.Contains(DistrAttentionNative.LibraryEnvironmentVariable, DistrAttentionNative.UnavailableReason);
        var e = Assert.Throws<DistrAttentionNativeException>(DistrAttentionNative.EnsureLoaded);
        Assert.Contains("libdistr_attention", e.Message);
    }

    [Fact]
    public unsafe void InitWritesTheStructSizeThisBuildExpects()
    {
        if (!DistrAttentionNative.IsLoaded) return;
        var p = new DaFwdParams();
        NativeMethods.da_fwd_params_init(&p);
        Assert.Equal((uint)DaFwdParams.ExpectedSize, p.StructSize);
        Assert.Equal(1u, p.Version);
        Assert.Equal((2, 64), (p.GroupSize, p.BlockL));
    }

    [Fact]
    public void ManagedParamsPassTheLibrarysValidation()
    {
        if (!DistrAttentionNative.IsLoaded) return;
        var p = NativeArgumentsTests.Build(qStrides: [197 * 3 * 3 * 64, 64, 3 * 3 * 64, 1]);
        var (status, message) = DistrAttentionNative.CheckParams(ref p);
        Assert.True(status == NativeStatus.Ok, message);
        p = NativeArgumentsTests.Build(dtype: TorchSharp.torch.ScalarType.BFloat16,
            options: new AttentionOptions { GroupSize = 16, BlockSize = 128, Causal = true, Mode = DistrAttentionMode.Sample }, d: 128);
        (status, message) = DistrAttentionNative.CheckParams(ref p);
        Assert.True(status == NativeStatus.Ok, message);
    }

    [Fact]
    public void LibraryRefusalsCarryItsMessage()
    {
        if (!DistrAttentionNative.IsLoaded) return;
        var p = NativeArgumentsTests.Build();
        p.GroupSize = 3;
        var (status, message) = DistrAttentionNative.CheckParams(ref p);
        Assert.NotEqual(NativeStatus.Ok, status);
        Assert.False(string.IsNullOrEmpty(message));
        var e = Assert.Throws<DistrAttentionNativeException>(() => DistrAttentionNative.ThrowOnError((int)status, "da_check_params"));
        Assert.Equal(status, e.Status);
        Assert.Contains(DistrAttentionNative.StatusName(status), e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void HostOnlyBuildIsLoadedButNotAvailable()
    {
        if (!DistrAttentionNative.IsLoaded || DistrAttentionNative.IsAvailable) return;
        Assert.Contains("without CUDA", DistrAttentionNative.UnavailableReason);
        Assert.Equal("DA_ERR_NOT_BUILT_WITH_CUDA", DistrAttentionNative.StatusName(NativeStatus.NotBuiltWithCuda));
    }
}
