using DistrAttention.Vit.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Distributed;

/// <summary>
/// <see cref="ICollectives"/> on CUDA tensors through one NCCL communicator per process (one GPU per rank). The
/// operations are enqueued on the legacy default CUDA stream, the stream all of TorchSharp's work runs on (0.107 has
/// no other; see <see cref="NativeKernels"/>), so they are ordered with the step's kernels and nothing waits
/// for the device on the host.
/// </summary>
public sealed class NcclCollectives : ICollectives, IDisposable
{
    private readonly NcclLibrary nccl;
    private IntPtr comm;

    private NcclCollectives(NcclLibrary nccl, IntPtr comm, int rank, int worldSize, Device device)
    {
        this.nccl = nccl;
        this.comm = comm;
        Rank = rank;
        WorldSize = worldSize;
        Device = device;
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int WorldSize { get; }

    /// <summary>This rank's GPU.</summary>
    public Device Device { get; }

    /// <summary>The NCCL library in use.</summary>
    public NcclLibrary Library => nccl;

    /// <summary>
    /// Joins the job described by <paramref name="settings"/>: makes <paramref name="device"/> the thread's current CUDA
    /// device, gets the NCCL unique id (rank 0 makes it and serves it over TCP on MASTER_ADDR:MASTER_PORT; the others
    /// fetch it, see <see cref="Rendezvous"/>) and creates the communicator (<c>ncclCommInitRank</c>, which returns once
    /// every rank has joined). Call it on the thread that trains.
    /// </summary>
    /// <param name="settings">Rank, world size and rendezvous address.</param>
    /// <param name="device">This rank's GPU (a CUDA device with an index).</param>
    /// <param name="library">The NCCL to use; null: <see cref="NcclLibrary.Shared"/>.</param>
    /// <exception cref="NcclNotFoundException">libnccl was not found.</exception>
    /// <exception cref="RendezvousException">The ranks could not exchange the id (timeout, port in use, mismatch).</exception>
    /// <exception cref="NcclException">An NCCL call failed; the message names it.</exception>
    public static unsafe NcclCollectives Connect(DistributedSettings settings, Device device, NcclLibrary? library = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        settings.Validate();
        if (device.type != DeviceType.CUDA || device.index < 0)
            throw new ArgumentException($"NCCL needs a CUDA device with an index (cuda:N); got {device}.", nameof(device));
        var nccl = library ?? NcclLibrary.Shared;
        CudaRuntime.SetDevice(device.index);
        NcclUniqueId id;
        if (settings.Rank == 0)
        {
            nccl.Check("ncclGetUniqueId", nccl.GetUniqueId(&id));
            Rendezvous.Serve(settings, id.ToArray());
        }
        else
        {
            id = NcclUniqueId.FromArray(Rendezvous.Receive(settings));
        }
        IntPtr comm;
        nccl.Check("ncclCommInitRank", nccl.CommInitRank(&comm, settings.WorldSize, id, settings.Rank));
        return new NcclCollectives(nccl, comm, settings.Rank, settings.WorldSize, device);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The tensor is not a contiguous CUDA tensor of this rank's device, or of a type NCCL lacks.</exception>
    public void Broadcast(Tensor tensor, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, WorldSize);
        var (data, count, type) = Describe(tensor, nameof(tensor));
        nccl.Check("ncclBroadcast", nccl.Broadcast(data, data, count, type, root, Comm), comm);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">A tensor is not a contiguous CUDA tensor of this rank's device, or of a type NCCL lacks.</exception>
    public void AllReduceSum(IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var described = tensors.Select((t, i) => Describe(t, $"{nameof(tensors)}[{i}]")).ToList();
        var communicator = Comm;
        nccl.Check("ncclGroupStart", nccl.GroupStart());
        try
        {
            foreach (var (data, count, type) in described)
                nccl.Check("ncclAllReduce", nccl.AllReduce(data, data, count, type, NcclReduceOp.Sum, communicator), communicator);
        }
        finally
        {
            nccl.Check("ncclGroupEnd", nccl.GroupEnd(), communicator);
        }
    }

    /// <summary>Waits for this rank's queued work, then destroys the communicator (every rank should do so).</summary>
    public void Dispose()
    {
        if (comm == IntPtr.Zero) return;
        cuda.synchronize(Device);
        var destroyed = comm;
        comm = IntPtr.Zero;
        nccl.Check("ncclCommDestroy", nccl.CommDestroy(destroyed));
    }

    /// <summary>The <c>ncclComm_t</c>, for checks that call the library directly.</summary>
    internal IntPtr Handle => Comm;

    private IntPtr Comm => comm != IntPtr.Zero ? comm : throw new ObjectDisposedException(nameof(NcclCollectives));

    private (IntPtr Data, nuint Count, NcclDataType Type) Describe(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.device_type != DeviceType.CUDA || tensor.device_index != Device.index)
            throw new ArgumentException($"{name} must be on {Device} (this rank's GPU); it is on {tensor.device}.", name);
        if (!tensor.is_contiguous())
            throw new ArgumentException($"{name} must be contiguous.", name);
        return (NativeMethods.THSTensor_data(tensor.Handle), (nuint)tensor.numel(), NcclTypes.Of(tensor.dtype, name));
    }
}
