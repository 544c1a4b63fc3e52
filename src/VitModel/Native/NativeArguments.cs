using DistrAttention.Vit.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Native;

/// <summary>
/// Checks the tensors of one native call (device, dtype, shapes, last dim contiguous, strides a multiple of 8
/// elements, 16-byte aligned addresses) and fills <see cref="DaFwdParams"/>. Works on <see cref="NativeTensorLayout"/>s
/// so that every check is testable on the CPU; messages name the argument and the expected value.
/// </summary>
internal static class NativeArguments
{
    private const int StrideMultiple = 8; // elements: 16 bytes of fp16/bf16
    private const int Alignment = 16;     // bytes

    /// <summary>Validates and builds the parameter struct; <c>r</c> null for a call that reads no R (<c>da_qtilde_backward</c>).</summary>
    /// <exception cref="ArgumentException">A tensor does not fit; the message names it.</exception>
    /// <exception cref="NotSupportedException">The configuration is valid but not supported by the kernel.</exception>
    public static DaFwdParams Build(
        NativeTensorLayout q, NativeTensorLayout k, NativeTensorLayout v, NativeTensorLayout o, NativeTensorLayout? r,
        NativeTensorLayout? lse, NativeTensorLayout? permutations, AttentionOptions options, double? scale,
        bool requireCuda = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var t in new[] { q, k, v, o })
            CheckRank(t, 4);
        long b = q.Shape[0], h = q.Shape[1], nq = q.Shape[2], d = q.Shape[3], nk = k.Shape[2];
        ExpectShape(k, [b, h, nk, d]);
        ExpectShape(v, [b, h, nk, d]);
        ExpectShape(o, [b, h, nq, d]);
        if (b < 1 || h < 1 || nq < 1 || nk < 1)
            throw new ArgumentException($"q and k must be non-empty: q {q.ShapeText}, k {k.ShapeText}.", q.Name);
        foreach (var (value, what) in new[] { (b, "B"), (h, "H"), (nq, "Nq"), (nk, "Nk") })
            if (value > int.MaxValue)
                throw new ArgumentException($"{what} = {value} exceeds the native limit {int.MaxValue}.", q.Name);

        string? why = NativeSupport.WhyNot(d, v.Shape[3], options, q.DType);
        if (why is not null && q.DType is ScalarType.Float16 or ScalarType.BFloat16)
            throw new NotSupportedException($"The native DistrAttention kernel does not support this configuration: {why}.");
        foreach (var t in new[] { q, k, v, o })
        {
            if (t.DType is not (ScalarType.Float16 or ScalarType.BFloat16))
                throw new ArgumentException($"{t.Name} must be Float16 or BFloat16 for the native kernel, got {t.DType}.", t.Name);
            if (t.DType != q.DType)
                throw new ArgumentException($"{t.Name} must have q's dtype {q.DType}, got {t.DType}.", t.Name);
            CheckDevice(t, q, requireCuda);
            CheckStrides(t);
        }

        int l = options.BlockSize;
        long blocks = (nq + l - 1) / l;
        if (r is not null)
        {
            CheckDevice(r, q, requireCuda);
            ExpectDense(r, ScalarType.Float32, [l, AttentionOptions.ProjectionCount]);
        }
        if (lse is not null)
        {
            CheckDevice(lse, q, requireCuda);
            ExpectDense(lse, ScalarType.Float32, [b, h, nq]);
        }
        if (permutations is not null)
        {
            CheckDevice(permutations, q, requireCuda);
            ExpectDense(permutations, ScalarType.Int32, [b, h, blocks, d]);
        }

        var p = new DaFwdParams
        {
            StructSize = DaFwdParams.ExpectedSize,
            Version = DaAbi.ApiVersion,
            Q = new IntPtr(q.Address), K = new IntPtr(k.Address), V = new IntPtr(v.Address), O = new IntPtr(o.Address),
            R = r is null ? IntPtr.Zero : new IntPtr(r.Address),
            Lse = lse is null ? IntPtr.Zero : new IntPtr(lse.Address),
            PermOut = permutations is null ? IntPtr.Zero : new IntPtr(permutations.Address),
            QBatchStride = q.Strides[0], QHeadStride = q.Strides[1], QRowStride = q.Strides[2],
            KBatchStride = k.Strides[0], KHeadStride = k.Strides[1], KRowStride = k.Strides[2],
            VBatchStride = v.Strides[0], VHeadStride = v.Strides[1], VRowStride = v.Strides[2],
            OBatchStride = o.Strides[0], OHeadStride = o.Strides[1], ORowStride = o.Strides[2],
            Batch = (int)b, Heads = (int)h, Nq = (int)nq, Nk = (int)nk, HeadDim = (int)d,
            DType = NativeSupport.AbiDType(q.DType),
            GroupSize = options.GroupSize,
            BlockL = l,
            Mode = options.Mode == DistrAttentionMode.Mean ? DaAbi.ModeMean : DaAbi.ModeSample,
            Scale = scale is { } s ? (float)s : 0f, // 0 = 1/√d in the library
            Flags = options.Causal ? DaAbi.FlagCausal : 0u,
            BlockN = 0,
        };
        return p;
    }

    private static void CheckRank(NativeTensorLayout t, int rank)
    {
        if (t.Shape.Length != rank)
            throw new ArgumentException($"{t.Name} must be a {rank}-D tensor, got shape {t.ShapeText}.", t.Name);
    }

    private static void ExpectShape(NativeTensorLayout t, long[] expected)
    {
        if (!t.Shape.SequenceEqual(expected))
            throw new ArgumentException(
                $"{t.Name} must have shape [{string.Join(", ", expected)}] (V's head dim must equal d), got {t.ShapeText}.", t.Name);
    }

    private static void ExpectDense(NativeTensorLayout t, ScalarType dtype, long[] shape)
    {
        if (t.DType != dtype)
            throw new ArgumentException($"{t.Name} must be {dtype}, got {t.DType}.", t.Name);
        ExpectShape(t, shape);
        if (!t.IsContiguous)
            throw new ArgumentException($"{t.Name} must be contiguous, got strides [{string.Join(", ", t.Strides)}].", t.Name);
        if (t.Address % Alignment != 0)
            throw new ArgumentException($"{t.Name}'s data must be {Alignment}-byte aligned, got address 0x{t.Address:x}.", t.Name);
    }

    private static void CheckDevice(NativeTensorLayout t, NativeTensorLayout q, bool requireCuda)
    {
        if (requireCuda && t.DeviceType != DeviceType.CUDA)
            throw new ArgumentException($"{t.Name} must be a CUDA tensor for the native kernel, got {t.DeviceType}.", t.Name);
        if (t.DeviceType != q.DeviceType || t.DeviceIndex != q.DeviceIndex)
            throw new ArgumentException($"{t.Name} must be on q's device ({q.DeviceType}:{q.DeviceIndex}), got {t.DeviceType}:{t.DeviceIndex}.", t.Name);
        if (requireCuda && t.DeviceIndex != NativeSupport.CurrentDevice && t.DeviceIndex >= 0)
            throw new NotSupportedException(
                $"{t.Name} is on cuda:{t.DeviceIndex}, but the native kernel runs on the current device cuda:{NativeSupport.CurrentDevice}; select the GPU with CUDA_VISIBLE_DEVICES.");
    }

    private static void CheckStrides(NativeTensorLayout t)
    {
        if (t.Strides[3] != 1)
            throw new ArgumentException($"{t.Name}'s last dimension must be contiguous (stride 1), got stride {t.Strides[3]}.", t.Name);
        for (int i = 0; i < 3; i++)
            if (t.Strides[i] % StrideMultiple != 0 || t.Strides[i] < 0)
                throw new ArgumentException(
                    $"{t.Name}'s stride {i} must be a non-negative multiple of {StrideMultiple} elements (16 bytes), got {t.Strides[i]}.", t.Name);
        if (t.Address % Alignment != 0)
            throw new ArgumentException($"{t.Name}'s data must be {Alignment}-byte aligned, got address 0x{t.Address:x}.", t.Name);
    }
}
