namespace DistrAttention.Vit.Distributed;

/// <summary>NCCL's <c>ncclUniqueId</c>: 128 opaque bytes made by rank 0 and handed to every rank (nccl.h).</summary>
internal unsafe struct NcclUniqueId
{
    /// <summary>NCCL_UNIQUE_ID_BYTES.</summary>
    public const int Size = 128;

    /// <summary>The bytes.</summary>
    public fixed byte Internal[Size];

    /// <summary>A copy of the bytes.</summary>
    public readonly byte[] ToArray()
    {
        var bytes = new byte[Size];
        fixed (byte* source = Internal)
            new ReadOnlySpan<byte>(source, Size).CopyTo(bytes);
        return bytes;
    }

    /// <summary>The id held by <paramref name="bytes"/> (exactly <see cref="Size"/> of them).</summary>
    /// <exception cref="ArgumentException"><paramref name="bytes"/> is not 128 bytes long.</exception>
    public static NcclUniqueId FromArray(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
            throw new ArgumentException($"An NCCL unique id is {Size} bytes; got {bytes.Length}.", nameof(bytes));
        var id = new NcclUniqueId();
        bytes.CopyTo(new Span<byte>(id.Internal, Size));
        return id;
    }
}

/// <summary>NCCL's <c>ncclResult_t</c> (nccl.h).</summary>
public enum NcclResult
{
    /// <summary>ncclSuccess.</summary>
    Success = 0,
    /// <summary>ncclUnhandledCudaError.</summary>
    UnhandledCudaError = 1,
    /// <summary>ncclSystemError.</summary>
    SystemError = 2,
    /// <summary>ncclInternalError.</summary>
    InternalError = 3,
    /// <summary>ncclInvalidArgument.</summary>
    InvalidArgument = 4,
    /// <summary>ncclInvalidUsage.</summary>
    InvalidUsage = 5,
    /// <summary>ncclRemoteError.</summary>
    RemoteError = 6,
    /// <summary>ncclInProgress.</summary>
    InProgress = 7,
    /// <summary>ncclTimeout (recent releases).</summary>
    Timeout = 8,
}

/// <summary>NCCL's <c>ncclDataType_t</c> values this project uses (nccl.h).</summary>
internal enum NcclDataType
{
    Int8 = 0,
    Uint8 = 1,
    Int32 = 2,
    Uint32 = 3,
    Int64 = 4,
    Uint64 = 5,
    Float16 = 6,
    Float32 = 7,
    Float64 = 8,
    BFloat16 = 9,
}

/// <summary>NCCL's <c>ncclRedOp_t</c> values this project uses (nccl.h).</summary>
internal enum NcclReduceOp
{
    Sum = 0,
    Prod = 1,
    Max = 2,
    Min = 3,
}

/// <summary>Maps TorchSharp element types to NCCL's.</summary>
internal static class NcclTypes
{
    /// <summary>The NCCL type of <paramref name="type"/>.</summary>
    /// <exception cref="ArgumentException">NCCL has no such type (complex types); the message names <paramref name="name"/>.</exception>
    public static NcclDataType Of(TorchSharp.torch.ScalarType type, string name) => type switch
    {
        TorchSharp.torch.ScalarType.Float32 => NcclDataType.Float32,
        TorchSharp.torch.ScalarType.Float16 => NcclDataType.Float16,
        TorchSharp.torch.ScalarType.BFloat16 => NcclDataType.BFloat16,
        TorchSharp.torch.ScalarType.Float64 => NcclDataType.Float64,
        TorchSharp.torch.ScalarType.Int32 => NcclDataType.Int32,
        TorchSharp.torch.ScalarType.Int64 => NcclDataType.Int64,
        TorchSharp.torch.ScalarType.Int8 => NcclDataType.Int8,
        TorchSharp.torch.ScalarType.Byte or TorchSharp.torch.ScalarType.Bool => NcclDataType.Uint8,
        _ => throw new ArgumentException($"{name} has element type {type}, which NCCL cannot reduce or send.", name),
    };
}
