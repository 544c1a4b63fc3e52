using DistrAttention.Vit.Attention;
using DistrAttention.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// The native DistrAttention CUDA kernel (<c>libdistr_attention</c>, C ABI in <c>native/cuda/include/distr_attention.h</c>)
/// called on TorchSharp CUDA tensors.
/// <para>
/// Library: <see cref="LibraryEnvironmentVariable"/> (a file or folder), else beside the application, else the loader's
/// search path. Stream: the kernel is launched on the legacy default CUDA stream (NULL). TorchSharp 0.107 exposes no
/// current-stream handle and never changes libtorch's current stream, whose default is that same stream, so the
/// kernel is ordered after the TorchSharp work that produced its inputs and before the work that reads its output,
/// with no synchronisation. Code that sets another current stream through other means breaks this assumption.
/// </para>
/// </summary>
public static class NativeKernels
{
    /// <summary>Environment variable naming the native library (a path to the file, or its folder).</summary>
    public const string LibraryEnvironmentVariable = "DISTRATTENTION_NATIVE";

    private static readonly Lazy<(bool Ok, string? Reason, int Version, bool Cuda)> Probe = new(ProbeOnce);

    /// <summary>True when the library loaded and has this ABI version (it may still lack CUDA kernels).</summary>
    public static bool IsLoaded => Probe.Value.Ok;

    /// <summary>True when the library loaded and was built with its CUDA kernels.</summary>
    public static bool IsAvailable => Probe.Value.Ok && Probe.Value.Cuda;

    /// <summary>Why <see cref="IsAvailable"/> is false (null when it is true).</summary>
    public static string? UnavailableReason =>
        !Probe.Value.Ok ? Probe.Value.Reason
        : !Probe.Value.Cuda ? $"{LibraryPath} was built without CUDA kernels (nvcc was not found when it was built)"
        : null;

    /// <summary>The path the library was loaded from, or null.</summary>
    public static string? LibraryPath => NativeLibraryLoader.Loaded.Path;

    /// <summary>Throws unless the library is loaded (kernels may be missing: <see cref="IsAvailable"/>).</summary>
    /// <exception cref="DistrAttentionNativeException">The library is missing, cannot load, or has another ABI version.</exception>
    public static void EnsureLoaded()
    {
        if (!IsLoaded)
            throw new DistrAttentionNativeException(NativeStatus.Ok, "", "The native DistrAttention library is not usable: " + Probe.Value.Reason);
    }

    /// <summary>Name of a status code as the library spells it, e.g. <c>DA_ERR_UNSUPPORTED</c>.</summary>
    public static string StatusName(NativeStatus status)
    {
        EnsureLoaded();
        return NativeMethods.StatusName((int)status);
    }

    /// <summary>
    /// Runs the kernel: O = DistrAttention(Q, K, V) per docs/semantics.md, asynchronously on the legacy default stream.
    /// No autograd (training uses <see cref="Permutations"/>, <see cref="Attention.QTilde"/> and fused exact attention).
    /// </summary>
    /// <param name="q">Queries [B, H, Nq, d], CUDA, Float16/BFloat16, last dim contiguous, other strides multiples of 8, 16-byte aligned.</param>
    /// <param name="k">Keys [B, H, Nk, d], same rules and dtype.</param>
    /// <param name="v">Values [B, H, Nk, d], same rules and dtype.</param>
    /// <param name="r">Projection matrix [l, 16]; copied to a contiguous CUDA float32 tensor when it is not one.</param>
    /// <param name="options">G, l, mode, causal flag.</param>
    /// <param name="scale">Score scale; null = 1/√d.</param>
    /// <param name="logSumExp">Optional output: float32 [B, H, Nq], contiguous, written with the row log-sum-exp.</param>
    /// <param name="permutations">Optional output: int32 [B, H, ceil(Nq/l), d], contiguous, written with σ_b of every block.</param>
    /// <param name="output">Optional output [B, H, Nq, d] to write into; null allocates a contiguous one.</param>
    /// <returns>The output [B, H, Nq, d] in q's dtype.</returns>
    /// <exception cref="ArgumentException">A tensor does not fit; the message names it and the expected value.</exception>
    /// <exception cref="NotSupportedException">A valid configuration the kernel does not support.</exception>
    /// <exception cref="DistrAttentionNativeException">The library is missing or returned an error (its message included).</exception>
    public static Tensor Forward(Tensor q, Tensor k, Tensor v, Tensor r, AttentionOptions options, double? scale = null,
        Tensor? logSumExp = null, Tensor? permutations = null, Tensor? output = null)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(k);
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(options);
        EnsureKernels();
        using var scope = NewDisposeScope();
        var rDevice = ProjectionOnDeviceOf(r, q);
        var o = output ?? empty(q.shape, q.dtype, q.device);
        var p = NativeArguments.Build(
            NativeTensorLayout.Of(q, nameof(q)), NativeTensorLayout.Of(k, nameof(k)), NativeTensorLayout.Of(v, nameof(v)),
            NativeTensorLayout.Of(o, nameof(output)), NativeTensorLayout.Of(rDevice, nameof(r)),
            logSumExp is null ? null : NativeTensorLayout.Of(logSumExp, nameof(logSumExp)),
            permutations is null ? null : NativeTensorLayout.Of(permutations, nameof(permutations)),
            options, scale);
        Launch(ref p);
        // A temporary copy of R may be freed right after the asynchronous launch: the caching allocator hands its
        // memory only to later work on the same (default) stream, which runs after the kernel.
        return output is null ? o.MoveToOuterDisposeScope() : output;
    }

    /// <summary>
    /// True when <see cref="QTilde"/> can run Q̃ for this head dimension, these options and dtype: the CUDA kernels are
    /// there and the library accepts the configuration (<see cref="NativeSupport.WhyNotQTilde"/>).
    /// </summary>
    public static bool SupportsQTilde(long headDim, AttentionOptions options, ScalarType dtype) =>
        IsAvailable && NativeSupport.WhyNotQTilde(headDim, options, dtype) is null;

    /// <summary>
    /// The hashing pre-pass alone (<c>da_qtilde</c>, docs/semantics.md, Q-tilde): Q̃ [B, H, Nq, d] in q's dtype and, optionally,
    /// σ_b of every block. No autograd (training wraps it with its adjoint <see cref="QTildeBackward"/> in
    /// <c>QTildeCudaFunction</c>).
    /// </summary>
    /// <param name="q">Queries [B, H, Nq, d], CUDA, Float16/BFloat16 (the layout rules of <see cref="Forward"/>).</param>
    /// <param name="r">Projection matrix [l, 16].</param>
    /// <param name="options">G (&gt; 1 unless <paramref name="permutations"/> is given), l, mode.</param>
    /// <param name="permutations">Optional output: int32 [B, H, ceil(Nq/l), d], contiguous.</param>
    /// <exception cref="ArgumentException">A tensor does not fit; the message names it.</exception>
    /// <exception cref="DistrAttentionNativeException">The library is missing or returned an error.</exception>
    public static unsafe Tensor QTilde(Tensor q, Tensor r, AttentionOptions options, Tensor? permutations = null)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(r);
        ArgumentNullException.ThrowIfNull(options);
        EnsureKernels();
        using var scope = NewDisposeScope();
        var rDevice = ProjectionOnDeviceOf(r, q);
        // G = 1 writes only σ: Q~ = Q, so the output is (an alias of) q itself and is never written.
        var o = options.GroupSize == 1 ? q.alias() : empty(q.shape, q.dtype, q.device);
        var p = PrePassParams(NativeTensorLayout.Of(q, nameof(q)), NativeTensorLayout.Of(o, "output"),
            NativeTensorLayout.Of(rDevice, nameof(r)), permutations is null ? null : NativeTensorLayout.Of(permutations, nameof(permutations)),
            options);
        Call(ref p, &NativeMethods.da_qtilde, "da_qtilde");
        return o.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The adjoint of Q → Q̃ for given σ (<c>da_qtilde_backward</c>, docs/semantics.md, Q-tilde): dQ [B, H, Nq, d] from dQ̃. Mean:
    /// every column of a group gets the group's mean of dQ̃; Sample: the group's first column gets the sum, the others 0.
    /// </summary>
    /// <param name="gradQTilde">dQ̃ [B, H, Nq, d], CUDA, Float16/BFloat16 (the layout rules of <see cref="Forward"/>).</param>
    /// <param name="permutations">σ int32 [B, H, ceil(Nq/l), d], contiguous, as <see cref="QTilde"/> wrote it.</param>
    /// <param name="options">G, l, mode.</param>
    /// <param name="output">Optional dQ [B, H, Nq, d] to write into; null allocates a contiguous one.</param>
    /// <exception cref="ArgumentException">A tensor does not fit; the message names it.</exception>
    /// <exception cref="DistrAttentionNativeException">The library is missing or returned an error.</exception>
    public static unsafe Tensor QTildeBackward(Tensor gradQTilde, Tensor permutations, AttentionOptions options,
        Tensor? output = null)
    {
        ArgumentNullException.ThrowIfNull(gradQTilde);
        ArgumentNullException.ThrowIfNull(permutations);
        ArgumentNullException.ThrowIfNull(options);
        EnsureKernels();
        using var scope = NewDisposeScope();
        var dq = output ?? empty(gradQTilde.shape, gradQTilde.dtype, gradQTilde.device);
        var p = PrePassParams(NativeTensorLayout.Of(gradQTilde, nameof(gradQTilde)), NativeTensorLayout.Of(dq, nameof(output)),
            null, NativeTensorLayout.Of(permutations, nameof(permutations)), options); // the adjoint reads no R
        Call(ref p, &NativeMethods.da_qtilde_backward, "da_qtilde_backward");
        return output is null ? dq.MoveToOuterDisposeScope() : output;
    }

    /// <summary>
    /// Parameters of <c>da_qtilde</c> / <c>da_qtilde_backward</c>, which read one [B, H, Nq, d] tensor and write one: the
    /// input is validated as a forward's keys and values too (one set of layout rules), then K and V are cleared (never
    /// read).
    /// </summary>
    private static DaFwdParams PrePassParams(NativeTensorLayout input, NativeTensorLayout output, NativeTensorLayout? r,
        NativeTensorLayout? permutations, AttentionOptions options)
    {
        var p = NativeArguments.Build(input, input, input, output, r, null, permutations, options, null);
        p.K = IntPtr.Zero;
        p.V = IntPtr.Zero;
        return p;
    }

    /// <summary>
    /// σ_b of every query block from the native hashing pre-pass (<c>da_qtilde</c> with G = 1 and <c>perm_out</c>): int32
    /// [B, H, ceil(Nq / l), d], bit-exact with <c>da_reference_permutation</c>. No gradient (σ is piecewise constant).
    /// </summary>
    /// <param name="q">Queries [B, H, Nq, d], CUDA, Float16/BFloat16, d ∈ {32, 64}.</param>
    /// <param name="r">Projection matrix [l, 16].</param>
    /// <param name="blockSize">l: 64 or 128.</param>
    public static Tensor Permutations(Tensor q, Tensor r, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(q);
        using var scope = NewDisposeScope();
        long blocks = (q.shape[2] + blockSize - 1) / blockSize;
        var sigma = empty([q.shape[0], q.shape[1], blocks, q.shape[3]], ScalarType.Int32, q.device);
        var options = new AttentionOptions { GroupSize = 1, BlockSize = blockSize };
        using (no_grad())
            QTilde(q.detach(), r, options, sigma).Dispose();
        return sigma.MoveToOuterDisposeScope();
    }

    /// <summary>Calls <c>da_forward</c> on the legacy default stream; maps a failure to an exception.</summary>
    internal static unsafe void Launch(ref DaFwdParams p) => Call(ref p, &NativeMethods.da_forward, "da_forward");

    private static unsafe void Call(ref DaFwdParams p, delegate*<DaFwdParams*, IntPtr, int> function, string name)
    {
        int status;
        fixed (DaFwdParams* pointer = &p)
            status = function(pointer, IntPtr.Zero);
        ThrowOnError(status, name);
    }

    /// <summary>Loads libtorch and the native library; throws unless its CUDA kernels are there.</summary>
    private static void EnsureKernels()
    {
        TorchRuntime.EnsureInitialized();
        EnsureLoaded();
        if (!IsAvailable)
            throw new DistrAttentionNativeException(NativeStatus.NotBuiltWithCuda, "", "The native DistrAttention kernel cannot run: " + UnavailableReason);
    }

    /// <summary>R as the kernels read it: a contiguous float32 tensor on q's device (r itself when it already is one).</summary>
    private static Tensor ProjectionOnDeviceOf(Tensor r, Tensor q) =>
        r.dtype == ScalarType.Float32 && r.device_type == q.device_type && r.device_index == q.device_index && r.is_contiguous()
            ? r : r.to(ScalarType.Float32, q.device).contiguous();

    /// <summary>Runs <c>da_check_params</c> (validation only, no CUDA call) and returns its status and message.</summary>
    internal static unsafe (NativeStatus Status, string Message) CheckParams(ref DaFwdParams p) =>
        Check(ref p, &NativeMethods.da_check_params);

    /// <summary>Runs <c>da_check_qtilde_params</c>: what <c>da_qtilde</c> would answer before touching the device.</summary>
    internal static unsafe (NativeStatus Status, string Message) CheckQTildeParams(ref DaFwdParams p) =>
        Check(ref p, &NativeMethods.da_check_qtilde_params);

    private static unsafe (NativeStatus Status, string Message) Check(ref DaFwdParams p, delegate*<DaFwdParams*, int> check)
    {
        EnsureLoaded();
        int status;
        fixed (DaFwdParams* pointer = &p)
            status = check(pointer);
        return ((NativeStatus)status, status == 0 ? "" : NativeMethods.LastError());
    }

    /// <summary>Throws <see cref="DistrAttentionNativeException"/> carrying <c>da_last_error()</c> when status is not OK.</summary>
    internal static void ThrowOnError(int status, string function)
    {
        if (status == 0) return;
        string message = NativeMethods.LastError();
        throw new DistrAttentionNativeException((NativeStatus)status, message,
            $"{function} failed with {NativeMethods.StatusName(status)}: {message}");
    }

    private static (bool, string?, int, bool) ProbeOnce()
    {
        var loaded = NativeLibraryLoader.Loaded;
        if (loaded.Handle == IntPtr.Zero)
            return (false, loaded.Error, 0, false);
        NativeLibraryLoader.RegisterResolver();
        try
        {
            int version = NativeMethods.da_api_version();
            if (version != DaAbi.ApiVersion)
                return (false, $"{loaded.Path} has ABI version {version}; this build needs {DaAbi.ApiVersion}.", version, false);
            return (true, null, version, NativeMethods.da_built_with_cuda() != 0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return (false, $"{loaded.Path} is not the DistrAttention library: {e.Message}", 0, false);
        }
    }
}
