using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Every image of a data set decoded once into one uint8 CPU tensor [N, C, H, W] (1 byte per value).
/// Images keep their own size when they all share one no larger than the model's (Fashion-MNIST stays 28 × 28 for a
/// 224 model: 64 × less memory, and the device resizes each batch); otherwise each is resized on the CPU to the
/// model size here, once.
/// </summary>
internal sealed class ImageCache : IDisposable
{
    private ImageCache(Tensor data)
    {
        Data = data;
        Count = (int)data.shape[0];
        Channels = (int)data.shape[1];
        Height = (int)data.shape[2];
        Width = (int)data.shape[3];
    }

    /// <summary>uint8 [N, C, H, W] on the CPU.</summary>
    public Tensor Data { get; }
    public int Count { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public long Bytes => (long)Count * Channels * Height * Width;

    /// <summary>Wraps an existing uint8 tensor [N, C, H, W] (tests); the cache takes ownership.</summary>
    public static ImageCache FromTensor(Tensor data)
    {
        if (data.dim() != 4 || data.dtype != ScalarType.Byte || data.device_type != DeviceType.CPU)
            throw new ArgumentException("Expected a uint8 CPU tensor [N, C, H, W].", nameof(data));
        return new ImageCache(data);
    }

    /// <summary>Builds the cache from planar images in order, converting in parallel.</summary>
    public static ImageCache Create(IReadOnlyList<PlanarImage> images, ImagePreprocessor preprocessor, int threads)
    {
        if (images.Count == 0)
            throw new ArgumentException("No images to cache.", nameof(images));
        var (h, w) = CacheSize(images, preprocessor.ImageSize);
        int c = preprocessor.Channels, per = c * h * w;
        var data = torch.empty([images.Count, c, h, w], ScalarType.Byte).DetachFromDisposeScope();
        try
        {
            // Chunks of about 16 MiB: each is filled (resizing where needed) and copied into its slice on one thread.
            int chunk = Math.Max(1, (16 << 20) / per);
            int chunks = (images.Count + chunk - 1) / chunk;
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, k =>
            {
                int start = k * chunk, n = Math.Min(chunk, images.Count - start);
                var buffer = new byte[n * per];
                for (int i = 0; i < n; i++)
                {
                    var image = images[start + i];
                    byte[] pixels = image.Height == h && image.Width == w ? image.Pixels : preprocessor.ToModelBytes(image);
                    Buffer.BlockCopy(pixels, 0, buffer, i * per, per);
                }
                using var source = torch.tensor(buffer, [n, c, h, w]);
                using var slice = data.narrow(0, start, n);
                slice.copy_(source);
            });
            return new ImageCache(data);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>The images' own size when they all share one no larger than the model's, else the model size.</summary>
    public static (int Height, int Width) CacheSize(IReadOnlyList<PlanarImage> images, int modelSize)
    {
        int h = images[0].Height, w = images[0].Width;
        for (int i = 1; i < images.Count; i++)
            if (images[i].Height != h || images[i].Width != w)
                return (modelSize, modelSize);
        return (long)h * w <= (long)modelSize * modelSize ? (h, w) : (modelSize, modelSize);
    }

    public void Dispose() => Data.Dispose();
}
