using DistrAttention.Vit.Native;

namespace DistrAttention.Tests.Native;

/// <summary>
/// The P/Invoke layer against the host-only native library (built by scripts/test.sh into native/cuda/build-host and
/// copied beside the tests when present): struct layout, da_check_params, status names, last-error messages. Without
/// that library (a plain <c>dotnet test</c>), the tests check that it is reported as missing, clearly. Tests whose
/// condition does not hold on this machine are reported as skipped, with the reason (<see cref="FactWhenAttribute"/>).
/// </summary>
public class NativeLibraryTests
{
    [FactWhen(Needs.NativeLibrary)]
    public void LoadedLibraryNamesItsPath()
    {
        Assert.True(NativeKernels.IsLoaded);
        Assert.NotNull(NativeKernels.LibraryPath);
        Assert.True(File.Exists(NativeKernels.LibraryPath), NativeKernels.LibraryPath);
    }

    [FactWhen(Needs.NoNativeLibrary)]
    public void MissingLibraryIsReportedWithAHint()
    {
        Assert.Contains(NativeKernels.LibraryEnvironmentVariable, NativeKernels.UnavailableReason);
        var e = Assert.Throws<DistrAttentionNativeException>(NativeKernels.EnsureLoaded);
        Assert.Contains("libdistr_attention", e.Message);
    }

    [FactWhen(Needs.NativeLibrary)]
    public unsafe void InitWritesTheStructSizeThisBuildExpects()
    {
        var p = new DaFwdParams();
        NativeMethods.da_fwd_params_init(&p);
        Assert.Equal((uint)DaFwdParams.ExpectedSize, p.StructSize);
        Assert.Equal(1u, p.Version);
        Assert.Equal((2, 64), (p.GroupSize, p.BlockL));
    }

    [FactWhen(Needs.NativeLibrary)]
    public void ManagedParamsPassTheLibrarysValidation()
    {
        var p = NativeArgumentsTests.Build(qStrides: [197 * 3 * 3 * 64, 64, 3 * 3 * 64, 1]);
        var (status, message) = NativeKernels.CheckParams(ref p);
        Assert.True(status == NativeStatus.Ok, message);
        p = NativeArgumentsTests.Build(dtype: TorchSharp.torch.ScalarType.BFloat16,
            options: new AttentionOptions { GroupSize = 16, BlockSize = 128, Causal = true, Mode = DistrAttentionMode.Sample }, d: 128);
        (status, message) = NativeKernels.CheckParams(ref p);
        Assert.True(status == NativeStatus.Ok, message);
    }

    [FactWhen(Needs.NativeLibrary)]
    public void LibraryRefusalsCarryItsMessage()
    {
        var p = NativeArgumentsTests.Build();
        p.GroupSize = 3;
        var (status, message) = NativeKernels.CheckParams(ref p);
        Assert.NotEqual(NativeStatus.Ok, status);
        Assert.False(string.IsNullOrEmpty(message));
        var e = Assert.Throws<DistrAttentionNativeException>(() => NativeKernels.ThrowOnError((int)status, "da_check_params"));
        Assert.Equal(status, e.Status);
        Assert.Contains(NativeKernels.StatusName(status), e.Message);
        Assert.Contains(message, e.Message);
    }

    [FactWhen(Needs.HostOnlyNativeLibrary)]
    public void HostOnlyBuildIsLoadedButNotAvailable()
    {
        Assert.Contains("without CUDA", NativeKernels.UnavailableReason);
        Assert.Equal("DA_ERR_NOT_BUILT_WITH_CUDA", NativeKernels.StatusName(NativeStatus.NotBuiltWithCuda));
    }
}
