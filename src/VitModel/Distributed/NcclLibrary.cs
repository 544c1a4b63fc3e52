using System.Runtime.InteropServices;
using DistrAttention.Runtime;

namespace DistrAttention.Vit.Distributed;

/// <summary>
/// The few NCCL entry points data-parallel training needs, bound by <see cref="NativeLibrary"/> and unmanaged function
/// pointers (no build-time dependency: NCCL is found at run time). Where: the file or folder named by
/// <see cref="EnvironmentVariable"/> (and nothing else when it is set); else the NCCL of the PyTorch install whose libtorch
/// this process runs on (<c>torch/lib/../../nvidia/nccl/lib/libnccl.so.2</c>, as pip installs it, or a copy in
/// <c>torch/lib</c>); else <c>libnccl.so.2</c> through the dynamic loader (<c>LD_LIBRARY_PATH</c>, or the copy libtorch_cuda
/// already loaded). Every call's result goes through <see cref="Check"/>: an error becomes an <see cref="NcclException"/>
/// naming the call.
/// </summary>
public sealed unsafe class NcclLibrary
{
    /// <summary>Environment variable naming libnccl (a file, or a folder holding <see cref="FileName"/>).</summary>
    public const string EnvironmentVariable = "DISTRATTENTION_NCCL";

    /// <summary>The library's file name (its soname).</summary>
    public const string FileName = "libnccl.so.2";

    private static readonly object Gate = new();
    private static NcclLibrary? shared;

    private readonly delegate* unmanaged<int*, int> getVersion;
    private readonly delegate* unmanaged<NcclUniqueId*, int> getUniqueId;
    private readonly delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int> commInitRank;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> allReduce;
    private readonly delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> broadcast;
    private readonly delegate* unmanaged<IntPtr, int> commDestroy;
    private readonly delegate* unmanaged<int> groupStart;
    private readonly delegate* unmanaged<int> groupEnd;
    private readonly delegate* unmanaged<int, IntPtr> getErrorString;
    private readonly delegate* unmanaged<IntPtr, IntPtr> getLastError; // NCCL 2.13+; null before

    private NcclLibrary(string path, IntPtr handle)
    {
        Path = path;
        IntPtr Export(string name) => NativeLibrary.TryGetExport(handle, name, out var address) ? address
            : throw new NcclNotFoundException($"{path} has no export '{name}': it is not a usable NCCL 2 library.", [path]);
        getVersion = (delegate* unmanaged<int*, int>)Export("ncclGetVersion");
        getUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)Export("ncclGetUniqueId");
        commInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int>)Export("ncclCommInitRank");
        allReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Export("ncclAllReduce");
        broadcast = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)Export("ncclBroadcast");
        commDestroy = (delegate* unmanaged<IntPtr, int>)Export("ncclCommDestroy");
        groupStart = (delegate* unmanaged<int>)Export("ncclGroupStart");
        groupEnd = (delegate* unmanaged<int>)Export("ncclGroupEnd");
        getErrorString = (delegate* unmanaged<int, IntPtr>)Export("ncclGetErrorString");
        if (NativeLibrary.TryGetExport(handle, "ncclGetLastError", out var lastError))
            getLastError = (delegate* unmanaged<IntPtr, IntPtr>)lastError;
        int code;
        Check("ncclGetVersion", getVersion(&code));
        VersionCode = code;
    }

    /// <summary>The file that was loaded (or the soname, when the dynamic loader found it).</summary>
    public string Path { get; }

    /// <summary><c>ncclGetVersion</c>'s code, e.g. 22705 for 2.27.5.</summary>
    public int VersionCode { get; }

    /// <summary>The version as major.minor.patch.</summary>
    public string Version => VersionCode >= 10000
        ? $"{VersionCode / 10000}.{VersionCode % 10000 / 100}.{VersionCode % 100}"
        : $"{VersionCode / 1000}.{VersionCode % 1000 / 100}.{VersionCode % 100}";

    /// <summary>
    /// The process's NCCL, loaded on first use (see the class summary for where it is looked for). A failure is not
    /// cached: a later call looks again.
    /// </summary>
    /// <exception cref="NcclNotFoundException">No candidate could be loaded; the message lists each path and why.</exception>
    public static NcclLibrary Shared
    {
        get
        {
            lock (Gate)
            {
                if (shared is not null) return shared;
                TorchRuntime.EnsureInitialized(); // the PyTorch install's libtorch folder is known from here on
                string? libTorch = TorchRuntime.LoadedLibTorchDirectory
                    ?? TorchRuntime.LibTorchDirectory ?? Environment.GetEnvironmentVariable(TorchRuntime.LibTorchEnvironmentVariable);
                return shared = Load(Candidates(Environment.GetEnvironmentVariable(EnvironmentVariable), libTorch));
            }
        }
    }

    /// <summary>Loads the first candidate that loads and is an NCCL 2 library.</summary>
    /// <param name="candidates">Paths (a name without a slash goes through the dynamic loader's search).</param>
    /// <exception cref="NcclNotFoundException">None could be loaded; the message lists each and why.</exception>
    public static NcclLibrary Load(IReadOnlyList<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var tried = new List<string>();
        foreach (string candidate in candidates)
        {
            bool searched = !candidate.Contains('/');
            if (!searched && !File.Exists(candidate))
            {
                tried.Add($"{candidate} (does not exist)");
                continue;
            }
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                tried.Add($"{candidate} ({(searched ? "not found by the dynamic loader" : "could not be loaded: " + LoadError(candidate))})");
                continue;
            }
            return new NcclLibrary(searched ? candidate + " (dynamic loader's search path)" : candidate, handle);
        }
        throw new NcclNotFoundException(
            $"NCCL (libnccl.so.2) was not found; distributed training needs it. Tried: {string.Join("; ", tried)}. " +
            $"Set {EnvironmentVariable} to libnccl.so.2 (or its folder); a CUDA PyTorch install has it in " +
            "site-packages/nvidia/nccl/lib beside torch.", tried);
    }

    /// <summary>
    /// Where NCCL is looked for, in order: the configured file or folder alone when <paramref name="configured"/> is set;
    /// otherwise, beside the libtorch in <paramref name="libTorchDirectory"/> (<c>../../nvidia/nccl/lib</c>, then the folder
    /// itself), then <see cref="FileName"/> through the dynamic loader.
    /// </summary>
    /// <param name="configured">The value of <see cref="EnvironmentVariable"/>, or null.</param>
    /// <param name="libTorchDirectory">The <c>torch/lib</c> folder of the PyTorch install in use, or null.</param>
    public static IReadOnlyList<string> Candidates(string? configured, string? libTorchDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
            return [Directory.Exists(configured) ? System.IO.Path.Combine(configured, FileName) : configured];
        var list = new List<string>();
        if (!string.IsNullOrWhiteSpace(libTorchDirectory))
        {
            string torchLib = System.IO.Path.GetFullPath(libTorchDirectory);
            list.Add(System.IO.Path.GetFullPath(System.IO.Path.Combine(torchLib, "..", "..", "nvidia", "nccl", "lib", FileName)));
            list.Add(System.IO.Path.Combine(torchLib, FileName));
        }
        list.Add(FileName);
        return list;
    }

    // The calls, each returning ncclResult_t for Check. Collectives run on the legacy default stream (stream 0).
    internal int GetUniqueId(NcclUniqueId* id) => getUniqueId(id);

    internal int CommInitRank(IntPtr* comm, int worldSize, NcclUniqueId id, int rank) => commInitRank(comm, worldSize, id, rank);

    internal int AllReduce(IntPtr send, IntPtr receive, nuint count, NcclDataType type, NcclReduceOp op, IntPtr comm) =>
        allReduce(send, receive, count, (int)type, (int)op, comm, IntPtr.Zero);

    internal int Broadcast(IntPtr send, IntPtr receive, nuint count, NcclDataType type, int root, IntPtr comm) =>
        broadcast(send, receive, count, (int)type, root, comm, IntPtr.Zero);

    internal int CommDestroy(IntPtr comm) => commDestroy(comm);

    internal int GroupStart() => groupStart();

    internal int GroupEnd() => groupEnd();

    /// <summary>Throws an <see cref="NcclException"/> naming <paramref name="call"/> unless <paramref name="result"/> is ncclSuccess.</summary>
    /// <param name="call">The NCCL function called.</param>
    /// <param name="result">Its return value.</param>
    /// <param name="comm">The communicator it used, for <c>ncclGetLastError</c> (zero: the thread's last error).</param>
    public void Check(string call, int result, IntPtr comm = default)
    {
        if (result == (int)NcclResult.Success) return;
        string text = Marshal.PtrToStringUTF8(getErrorString(result)) ?? "";
        string last = getLastError == null ? "" : Marshal.PtrToStringUTF8(getLastError(comm)) ?? "";
        string name = Enum.IsDefined((NcclResult)result) ? "nccl" + (NcclResult)result : "result";
        throw new NcclException(call, (NcclResult)result,
            $"{call} failed: {text} ({name}, {result}){(last.Length > 0 ? ": " + last : "")}. NCCL {Version} from {Path}; " +
            "NCCL_DEBUG=WARN (or INFO) prints NCCL's own diagnosis.");
    }

    private static string LoadError(string path)
    {
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return "unknown error";
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return e.Message;
        }
    }
}
