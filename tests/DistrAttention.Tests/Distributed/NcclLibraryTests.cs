using System.Diagnostics;
using System.Runtime.InteropServices;
using DistrAttention.Vit.Distributed;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Distributed;

/// <summary>
/// <see cref="NcclLibrary"/> on the CPU: where libnccl is looked for, the error that lists the paths tried, and the
/// binding's calls against a stand-in library with NCCL's C ABI (compiled here with the C compiler; skipped without one):
/// the 128-byte id passed by value, the argument order, errors that name the call. Real NCCL runs in the GPU suite.
/// </summary>
public class NcclLibraryTests
{
    public NcclLibraryTests() => TorchRuntime.EnsureInitialized(); // before TorchSharp loads itself (it cannot on Debian 12)

    [Fact]
    public void LooksBesideTheLibTorchOfThePyTorchInstallThenTheLoader()
    {
        var list = NcclLibrary.Candidates(null, "/venv/lib/python3.12/site-packages/torch/lib");
        Assert.Equal(
        [
            "/venv/lib/python3.12/site-packages/nvidia/nccl/lib/libnccl.so.2",
            "/venv/lib/python3.12/site-packages/torch/lib/libnccl.so.2",
            "libnccl.so.2",
        ], list);
        Assert.Equal(["libnccl.so.2"], NcclLibrary.Candidates(null, null));
    }

    [Fact]
    public void TheEnvironmentVariableIsTheOnlyPlaceWhenSet()
    {
        string folder = Directory.CreateTempSubdirectory("nccl-").FullName;
        try
        {
            Assert.Equal([Path.Combine(folder, "libnccl.so.2")], NcclLibrary.Candidates(folder, "/x/torch/lib"));
            Assert.Equal(["/opt/nccl/libnccl.so.2.27"], NcclLibrary.Candidates("/opt/nccl/libnccl.so.2.27", "/x/torch/lib"));
        }
        finally
        {
            Directory.Delete(folder);
        }
    }

    [Fact]
    public void NotFoundListsEveryPathTriedAndWhy()
    {
        var e = Assert.Throws<NcclNotFoundException>(() => NcclLibrary.Load(["/nonexistent/nvidia/nccl/lib/libnccl.so.2", "libnccl-absent.so.2"]));
        Assert.Contains("/nonexistent/nvidia/nccl/lib/libnccl.so.2 (does not exist)", e.Message);
        Assert.Contains("libnccl-absent.so.2 (not found by the dynamic loader)", e.Message);
        Assert.Contains(NcclLibrary.EnvironmentVariable, e.Message);
        Assert.Equal(2, e.Tried.Count);
        Assert.IsAssignableFrom<DllNotFoundException>(e); // the sample prints it as one line
    }

    [Fact]
    public void ALibraryThatIsNotNcclIsRejectedNamingTheMissingExport()
    {
        var e = Assert.Throws<NcclNotFoundException>(() => NcclLibrary.Load(["libc.so.6"]));
        Assert.Contains("has no export 'ncclGetVersion'", e.Message);
    }

    [CompilerFact]
    public unsafe void TheBindingPassesTheIdByValueAndTheArgumentsInNcclsOrder()
    {
        var nccl = NcclLibrary.Load([FakeLibrary.Path]);
        Assert.Equal((22705, "2.27.5"), (nccl.VersionCode, nccl.Version));
        NcclUniqueId id;
        nccl.Check("ncclGetUniqueId", nccl.GetUniqueId(&id));
        var bytes = id.ToArray();
        Assert.Equal(Enumerable.Range(0, 128).Select(i => (byte)(i * 3 + 1)), bytes);
        var copy = NcclUniqueId.FromArray(bytes); // as after the rendezvous
        IntPtr comm;
        nccl.Check("ncclCommInitRank", nccl.CommInitRank(&comm, 1, copy, 0)); // the stand-in checks all 128 bytes
        try
        {
            using var send = arange(10, ScalarType.Float32);
            using var receive = zeros(10, ScalarType.Float32);
            nccl.Check("ncclGroupStart", nccl.GroupStart());
            nccl.Check("ncclAllReduce", nccl.AllReduce(Address(send), Address(receive), 10, NcclDataType.Float32, NcclReduceOp.Sum, comm), comm);
            nccl.Check("ncclGroupEnd", nccl.GroupEnd());
            Assert.Equal(send.data<float>().ToArray(), receive.data<float>().ToArray());
            Assert.Equal([1L, 10, 7, 0, 0, 1], LastCall()[..6]); // allreduce, count, ncclFloat32, ncclSum, stream 0, inside a group
            using var root = tensor(new long[] { 4, 5, 6 });
            using var leaf = zeros(3, ScalarType.Int64);
            nccl.Check("ncclBroadcast", nccl.Broadcast(Address(root), Address(leaf), 3, NcclDataType.Int64, 0, comm), comm);
            Assert.Equal([4L, 5, 6], leaf.data<long>().ToArray());
            Assert.Equal([2L, 3, 4, 0, 0, 0], LastCall()[..6]); // broadcast, count, ncclInt64, root 0, stream 0, no group
        }
        finally
        {
            nccl.Check("ncclCommDestroy", nccl.CommDestroy(comm));
        }
    }

    [CompilerFact]
    public unsafe void AnErrorNamesTheCallNcclsTextAndItsLastError()
    {
        var nccl = NcclLibrary.Load([FakeLibrary.Path]);
        NcclUniqueId id;
        nccl.Check("ncclGetUniqueId", nccl.GetUniqueId(&id));
        IntPtr comm;
        int result = nccl.CommInitRank(&comm, 2, id, 1);
        var e = Assert.Throws<NcclException>(() => nccl.Check("ncclCommInitRank", result));
        Assert.Equal(("ncclCommInitRank", NcclResult.InvalidUsage), (e.Call, e.Result));
        Assert.StartsWith("ncclCommInitRank failed: invalid usage (ncclInvalidUsage, 5): the stand-in has one rank. NCCL 2.27.5 from ", e.Message);
        Assert.Contains("NCCL_DEBUG", e.Message);
    }

    private static IntPtr Address(Tensor t) => DistrAttention.Vit.Native.NativeMethods.THSTensor_data(t.Handle);

    private static unsafe long[] LastCall()
    {
        var handle = NativeLibrary.Load(FakeLibrary.Path);
        var read = (delegate* unmanaged<long*, void>)NativeLibrary.GetExport(handle, "fake_last_call");
        var values = new long[8];
        fixed (long* p = values) read(p);
        return values;
    }

    /// <summary>The stand-in, compiled once per test run from <see cref="FakeNcclSource"/>.</summary>
    private static class FakeLibrary
    {
        private static readonly Lazy<string> Built = new(Build);

        public static string Path => Built.Value;

        private static string Build()
        {
            string dir = Directory.CreateTempSubdirectory("fake-nccl-").FullName;
            string source = System.IO.Path.Combine(dir, "fake_nccl.c");
            File.WriteAllText(source, FakeNcclSource.Text);
            string output = System.IO.Path.Combine(dir, "libnccl.so.2");
            var start = new ProcessStartInfo(CompilerFactAttribute.Compiler!, ["-shared", "-fPIC", "-O1", "-o", output, source])
            {
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{start.FileName} failed: {errors}");
            return output;
        }
    }
}

/// <summary>A fact that needs a C compiler (cc, gcc or g++ on PATH) to build a stand-in library; skipped, with the reason, without one.</summary>
public sealed class CompilerFactAttribute : FactAttribute
{
    /// <summary>The compiler found on PATH, or null.</summary>
    public static readonly string? Compiler = new[] { "cc", "gcc", "g++" }
        .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, name)))
        .FirstOrDefault(File.Exists);

    public CompilerFactAttribute()
    {
        if (Compiler is null)
            Skip = "No C compiler (cc, gcc or g++) on PATH to build the NCCL stand-in.";
    }
}
