using DistrAttention.Vit.Native;

namespace DistrAttention.Tests;

/// <summary>What a test needs from the machine it runs on.</summary>
public enum Needs
{
    /// <summary>The host-only native library beside the tests (scripts/test.sh builds it into native/cuda/build-host).</summary>
    NativeLibrary,
    /// <summary>No native library found (a plain <c>dotnet test</c> without scripts/test.sh's CMake build).</summary>
    NoNativeLibrary,
    /// <summary>The native library built without CUDA (the CPU test build): loaded, but not available.</summary>
    HostOnlyNativeLibrary,
    /// <summary>A process without CUDA (any CPU machine; a GPU host is covered by the GPU suite).</summary>
    NoCuda,
    /// <summary>The system libstdc++ at a glibc x86-64 path this project knows.</summary>
    SystemLibStdCxx,
}

/// <summary>
/// A <see cref="FactAttribute"/> that reports its test as skipped, with the reason, on a machine where
/// <see cref="Needs"/> does not hold, instead of letting the test return early and count as passed. xunit 2 has no
/// dynamic skip, so the condition is evaluated when the tests are discovered, in the test process.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class FactWhenAttribute : FactAttribute
{
    public FactWhenAttribute(Needs needs)
    {
        string? why;
        try
        {
            why = Preconditions.WhyNot(needs);
        }
        catch (Exception e)
        {
            why = $"could not tell whether {needs} holds: {e.GetType().Name}: {e.Message}";
        }
        if (why is not null) Skip = why;
    }
}

/// <summary>The checks behind <see cref="FactWhenAttribute"/>: null when the need holds, else why not.</summary>
public static class Preconditions
{
    /// <summary>The system libstdc++ on a glibc x86-64 layout this project knows, or null.</summary>
    public static string? SystemLibStdCxxPath =>
        new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }.FirstOrDefault(File.Exists);

    public static string? WhyNot(Needs needs) => needs switch
    {
        Needs.NativeLibrary => NativeKernels.IsLoaded
            ? null
            : "needs the native library beside the tests (run scripts/test.sh, which builds native/cuda/build-host): "
              + NativeKernels.UnavailableReason,
        Needs.NoNativeLibrary => NativeKernels.IsLoaded
            ? $"checks the message for a missing native library, but one is loaded ({NativeKernels.LibraryPath})"
            : null,
        Needs.HostOnlyNativeLibrary => !NativeKernels.IsLoaded
            ? "needs the host-only native library (run scripts/test.sh): " + NativeKernels.UnavailableReason
            : NativeKernels.IsAvailable ? "needs a native library built without CUDA; this one has CUDA kernels" : null,
        Needs.NoCuda => TorchRuntime.CudaAvailable ? "needs a machine without CUDA; this one has it (the GPU suite covers it)" : null,
        Needs.SystemLibStdCxx => SystemLibStdCxxPath is null
            ? "needs libstdc++.so.6 at /usr/lib/x86_64-linux-gnu or /usr/lib64 (not a glibc x86-64 layout this project knows)"
            : null,
        _ => throw new ArgumentOutOfRangeException(nameof(needs), needs, null),
    };
}
