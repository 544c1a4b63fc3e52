using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// An <see cref="ImageCache"/> placed for a training or scoring device: copied to the device when it fits in
/// <see cref="DefaultDeviceLimit"/> (then a batch is one index_select there), else left on the CPU, where each batch's
/// rows are gathered, pinned (CUDA) and copied without blocking. Safe to use from one thread at a time.
/// </summary>
internal sealed class DeviceImages : IDisposable
{
    /// <summary>Largest cache copied to an accelerator: 2 GiB.</summary>
    public const long DefaultDeviceLimit = 2L << 30;

    private readonly Tensor data;
    private readonly bool ownsData;
    private readonly Device device;

    private DeviceImages(Tensor data, bool ownsData, Device device)
    {
        this.data = data;
        this.ownsData = ownsData;
        this.device = device;
        Count = (int)data.shape[0];
        Channels = (int)data.shape[1];
        Height = (int)data.shape[2];
        Width = (int)data.shape[3];
    }

    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }

    /// <summary>Whether the images live on the target device (no per-batch copy).</summary>
    public bool OnDevice => data.device_type == device.type;

    /// <summary>Places <paramref name="cache"/> for <paramref name="device"/>; the cache must outlive the result.</summary>
    public static DeviceImages Place(ImageCache cache, Device device, long deviceLimit = DefaultDeviceLimit)
    {
        if (device.type == DeviceType.CPU || cache.Bytes > deviceLimit)
            return new DeviceImages(cache.Data, ownsData: false, device);
        using var scope = torch.NewDisposeScope();
        return new DeviceImages(cache.Data.to(device).DetachFromDisposeScope(), ownsData: true, device);
    }

    /// <summary>The rows' bytes, uint8 [B, C, H, W] on the device; the caller owns the result.</summary>
    public Tensor Gather(ReadOnlySpan<long> rows)
    {
        using var scope = torch.NewDisposeScope();
        var index = torch.tensor(rows.ToArray(), device: data.device);
        var slice = data.index_select(0, index);
        if (OnDevice)
            return slice.MoveToOuterDisposeScope();
        // Only CUDA has page-locked memory; a copy from it does not block this thread, and libtorch keeps the pinned
        // block alive until the copy has run.
        var staged = device.type == DeviceType.CUDA ? slice.pin_memory() : slice;
        return staged.to(device, non_blocking: device.type == DeviceType.CUDA).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        if (ownsData) data.Dispose();
    }
}
