using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Normalises cached image bytes into a float batch [B, C, S, S], with optional augmentation.</summary>
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

    /// <summary>Builds the batch on <paramref name="device"/>. With <paramref name="random"/>, applies the augmentation.</summary>
    public Tensor Build(IReadOnlyList<byte[]> images, Device device, Random? random = null, int cropPadding = 0, bool flip = false)
    {
        int plane = size * size, per = channels * plane;
        var data = new float[images.Count * per];
        for (int i = 0; i < images.Count; i++)
        {
            byte[] src = images[i];
            int dx = 0, dy = 0;
            bool mirror = false;
            if (random is not null)
            {
                if (cropPadding > 0)
                {
                    dx = random.Next(-cropPadding, cropPadding + 1);
                    dy = random.Next(-cropPadding, cropPadding + 1);
                }
                mirror = flip && random.Next(2) == 1;
            }
            for (int c = 0; c < channels; c++)
            {
                int o = i * per + c * plane;
                for (int y = 0; y < size; y++)
                {
                    int sy = y + dy;
                    for (int x = 0; x < size; x++)
                    {
                        int sx = (mirror ? size - 1 - x : x) + dx;
                        // A random crop of the zero-padded image is a shift with black fill.
                        byte v = sy < 0 || sy >= size || sx < 0 || sx >= size ? (byte)0 : src[c * plane + sy * size + sx];
                        data[o + y * size + x] = v * scale[c] + shift[c];
                    }
                }
            }
        }
        var cpu = torch.tensor(data, [images.Count, channels, size, size]);
        return device.type == DeviceType.CPU ? cpu : cpu.to(device);
    }
}
