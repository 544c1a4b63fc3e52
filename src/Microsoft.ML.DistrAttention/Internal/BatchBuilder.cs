using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Turns a batch of cached image bytes into the model's float input [B, C, S, S] with batched tensor ops on the bytes'
/// device: to float, bilinear resize to S (align_corners = false) when the cache has another size, the augmentation
/// (shift with black fill, mirror) as two gathers, then per-channel normalisation (x / 255 − mean) / std.
/// Train and inference both come here, so they preprocess identically.
/// </summary>
internal sealed class BatchBuilder
{
    private readonly int channels, size;
    private readonly float[] scale, shift; // x = byte * scale[c] + shift[c] == (byte/255 − mean) / std

    public BatchBuilder(int channels, int size, float[] mean, float[] std)
    {
        this.channels = channels;
        this.size = size;
        scale = new float[channels];
        shift = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
    }

    /// <summary>The normalised value of a black (raw 0) pixel in channel <paramref name="c"/>: the crop's fill.</summary>
    public float Black(int c) => shift[c];

    /// <summary>
    /// The model input for <paramref name="bytes"/> (uint8 [B, C, H, W]) on the same device; with
    /// <paramref name="augmentation"/>, each image is shifted and mirrored as it says.
    /// </summary>
    public Tensor Build(Tensor bytes, Augmentation? augmentation = null)
    {
        if (bytes.dim() != 4 || bytes.shape[1] != channels)
            throw new ArgumentException($"Expected image bytes [B, {channels}, H, W], got [{string.Join(", ", bytes.shape)}].", nameof(bytes));
        long batch = bytes.shape[0];
        if (augmentation is not null && augmentation.Dx.Length != batch)
            throw new ArgumentException($"The augmentation has {augmentation.Dx.Length} images, the batch {batch}.", nameof(augmentation));
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var device = bytes.device;
        var x = bytes.to(ScalarType.Float32);
        if (bytes.shape[2] != size || bytes.shape[3] != size)
            x = torch.nn.functional.interpolate(x, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        if (augmentation is not null && !augmentation.IsIdentity)
            x = Augment(x, augmentation, device);
        // Normalising after the crop turns its zero fill into black, (0 − mean) / std, as the byte path did.
        var s = torch.tensor(scale, device: device).view(1, channels, 1, 1);
        var t = torch.tensor(shift, device: device).view(1, channels, 1, 1);
        return x.mul_(s).add_(t).MoveToOuterDisposeScope();
    }

    // out[i, c, y, x] = padded[i, c, y + dy + p, x' + dx + p]: one gather over rows, one over columns.
    private Tensor Augment(Tensor x, Augmentation a, Device device)
    {
        int p = a.Padding;
        long batch = x.shape[0], padded = size + 2 * p;
        var source = p > 0 ? torch.nn.functional.pad(x, [p, p, p, p], value: 0) : x;
        var across = torch.arange(size, ScalarType.Int64, device);
        var rows = across.unsqueeze(0) + torch.tensor(a.Dy.Select(d => (long)d + p).ToArray(), device: device).unsqueeze(1);
        var mirrored = torch.tensor(a.Flip, device: device).unsqueeze(1);
        var columns = torch.where(mirrored, (size - 1 - across).unsqueeze(0), across.unsqueeze(0))
            + torch.tensor(a.Dx.Select(d => (long)d + p).ToArray(), device: device).unsqueeze(1);
        var byRow = source.gather(2, rows.view(batch, 1, size, 1).expand(batch, channels, size, padded));
        return byRow.gather(3, columns.view(batch, 1, 1, size).expand(batch, channels, size, size));
    }
}
