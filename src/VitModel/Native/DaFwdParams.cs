using System.Runtime.InteropServices;

namespace DistrAttention.Vit.Native;

/// <summary>
/// Managed mirror of <c>da_fwd_params</c> (ABI version 1, 240 bytes on x86-64/arm64 Linux). Field order, types and
/// padding must match the C header exactly: the library checks <see cref="StructSize"/> and <see cref="Version"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DaFwdParams
{
    /// <summary>Size the C header gives <c>da_fwd_params</c> for version 1 on 64-bit platforms.</summary>
    public const int ExpectedSize = 240;

    public uint StructSize;
    public uint Version;

    public IntPtr Q;
    public IntPtr K;
    public IntPtr V;
    public IntPtr O;
    public IntPtr Lse;
    public IntPtr R;
    public IntPtr PermOut;

    public long QBatchStride, QHeadStride, QRowStride;
    public long KBatchStride, KHeadStride, KRowStride;
    public long VBatchStride, VHeadStride, VRowStride;
    public long OBatchStride, OHeadStride, ORowStride;

    public int Batch;
    public int Heads;
    public int Nq;
    public int Nk;
    public int HeadDim;
    public int DType;
    public int GroupSize;
    public int BlockL;
    public int Mode;
    public float Scale;
    public uint Flags;
    public int BlockN;
    public fixed int Reserved[8];
}

/// <summary>Constants of the C header.</summary>
internal static class DaAbi
{
    public const int ApiVersion = 1;
    public const int DTypeFp16 = 0;
    public const int DTypeBf16 = 1;
    public const int ModeMean = 0;
    public const int ModeSample = 1;
    public const uint FlagCausal = 1u;
}
