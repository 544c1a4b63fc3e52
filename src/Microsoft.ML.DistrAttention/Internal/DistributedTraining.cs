using DistrAttention.Vit.Distributed;
using DistrAttention.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// The trainer's side of <see cref="VitImageClassificationTrainer.Options.Distributed"/>: whether this Fit is one rank of
/// a data-parallel job, its device (cuda:LOCAL_RANK), and its NCCL group, joined just before training starts and left
/// when Fit ends.
/// </summary>
internal sealed class DistributedTraining : IDisposable
{
    private readonly DistributedSettings? settings;
    private readonly ICollectives? injected;
    private NcclCollectives? nccl;

    private DistributedTraining(DistributedSettings? settings, ICollectives? injected, Device device)
    {
        this.settings = settings;
        this.injected = injected;
        Device = device;
    }

    /// <summary>This rank's device.</summary>
    public Device Device { get; }

    /// <summary>Checks the option against the environment and the device, at trainer construction.</summary>
    /// <exception cref="ArgumentException">Distributed is on with <c>Device = Cpu</c>, or the environment's variables are
    /// missing or malformed (the exception names the variable).</exception>
    public static void Validate(VitImageClassificationTrainer.Options o)
    {
        if (o.DistributedGroup is not null || o.Distributed == false) return;
        var settings = DistributedSettings.FromEnvironment();
        if (o.Distributed == true && settings is null)
            throw new ArgumentException(
                $"Distributed is true but {DistributedSettings.WorldSizeVariable} is not set: start one process per GPU with torchrun or " +
                "`vit-sample train --gpus N`, which set RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT.", nameof(o.Distributed));
        bool on = o.Distributed == true || settings is { WorldSize: > 1 };
        if (on && o.Device == ComputeDevice.Cpu)
            throw new ArgumentException(
                $"Distributed training runs on GPUs through NCCL, but Device is Cpu{(o.Distributed is null ? $" ({DistributedSettings.WorldSizeVariable} = {settings!.WorldSize} turned it on)" : "")}; " +
                "use Device Cuda or Auto, or set Distributed = false.", nameof(o.Distributed));
    }

    /// <summary>
    /// This Fit's rank, or null when it trains alone: <c>Distributed</c> true, or null with <c>WORLD_SIZE</c> above 1.
    /// Makes cuda:LOCAL_RANK the thread's current device.
    /// </summary>
    /// <exception cref="TorchRuntimeException">CUDA is not available, or LOCAL_RANK names a device that is not visible.</exception>
    public static DistributedTraining? Resolve(VitImageClassificationTrainer.Options o)
    {
        if (o.DistributedGroup is { } group)
            return new DistributedTraining(null, group, TorchRuntime.Resolve(o.Device));
        if (o.Distributed == false) return null;
        var settings = DistributedSettings.FromEnvironment();
        if (settings is null || (o.Distributed is null && settings.WorldSize == 1)) return null;
        if (!TorchRuntime.CudaAvailable)
            throw new TorchRuntimeException(
                $"Distributed training (rank {settings.Rank} of {settings.WorldSize}) needs CUDA, which is not available in this process.");
        int visible = cuda.device_count();
        if (settings.LocalRank >= visible)
            throw new TorchRuntimeException(
                $"{DistributedSettings.LocalRankVariable} is {settings.LocalRank}, but this process sees {visible} CUDA device(s) (CUDA_VISIBLE_DEVICES?).");
        CudaRuntime.SetDevice(settings.LocalRank);
        return new DistributedTraining(settings, null, torch.device(DeviceType.CUDA, settings.LocalRank));
    }

    /// <summary>Joins the job (the rendezvous and NCCL's communicator; every rank must get here) and returns its data parallelism.</summary>
    public DataParallel Connect()
    {
        if (injected is not null) return new DataParallel(injected);
        nccl ??= NcclCollectives.Connect(settings!, Device);
        return new DataParallel(nccl);
    }

    /// <summary>Leaves the job (destroys the communicator).</summary>
    public void Dispose()
    {
        nccl?.Dispose();
        nccl = null;
    }
}
