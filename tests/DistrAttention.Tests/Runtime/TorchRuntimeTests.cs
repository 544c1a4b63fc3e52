namespace DistrAttention.Tests.Runtime;

public class TorchRuntimeTests
{
    [Fact]
    public void TorchSharpRunsOnTheCpuAfterInitialisation()
    {
        TorchRuntime.EnsureInitialized();
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var product = a.matmul(a.t());
        Assert.Equal(new float[] { 5, 14, 14, 50 }, product.data<float>().ToArray());
        Assert.Equal(DeviceType.CPU, TorchRuntime.Resolve(ComputeDevice.Cpu).type);
    }

    [FactWhen(Needs.NoCuda)] // a GPU host: covered by the GPU suite
    public void AskingForCudaWithoutItFailsWithGuidance()
    {
        var error = Assert.Throws<TorchRuntimeException>(() => TorchRuntime.Resolve(ComputeDevice.Cuda));
        Assert.Contains(TorchRuntime.LibTorchEnvironmentVariable, error.Message);
        Assert.Equal(DeviceType.CPU, TorchRuntime.Resolve(ComputeDevice.Auto).type);
    }

    [Fact]
    public void AMissingLibTorchFolderIsNamedInTheError()
    {
        string folder = Path.Combine(Path.GetTempPath(), "no-such-torch-" + Guid.NewGuid().ToString("N"));
        var error = Assert.Throws<TorchRuntimeException>(() =>
            TorchRuntime.ChooseExternalLibTorch(folder, null, () => true, () => null));
        Assert.Contains(folder, error.Message);
        Assert.Contains("torch/lib", error.Message);
    }

    [Fact]
    public void AnExternalLibTorchIsRefusedBesideABundledOne()
    {
        string nativeDirectory = Path.GetDirectoryName(NativeLibraryFiles.LibTorchSharp())!;
        // The bundled folder itself looks like a libtorch folder; asking for it as "external" must still fail
        // because two libtorch copies cannot share a process.
        var error = Assert.Throws<TorchRuntimeException>(() =>
            TorchRuntime.ChooseExternalLibTorch(nativeDirectory, nativeDirectory, () => true, () => null));
        Assert.Contains("DistrAttentionGpuBundle", error.Message);
    }

    [Fact]
    public void AutoDetectionIsSkippedWithoutADriverOrWithABundledLibTorch()
    {
        string nativeDirectory = Path.GetDirectoryName(NativeLibraryFiles.LibTorchSharp())!;
        Assert.Null(TorchRuntime.ChooseExternalLibTorch(null, nativeDirectory, () => true, () => throw new Exception("no")));
        Assert.Null(TorchRuntime.ChooseExternalLibTorch(null, null, () => false, () => throw new Exception("no")));
        Assert.Equal("/x", TorchRuntime.ChooseExternalLibTorch(null, null, () => true, () => "/x"));
        Assert.Throws<TorchRuntimeException>(() => TorchRuntime.ChooseExternalLibTorch(null, null, () => true, () => null));
    }
}
