using Microsoft.ML.DistrAttention.Internal;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Data;

/// <summary>
/// The single-image CPU path (RowMapper, PredictionEngine, Transform: <see cref="ImagePreprocessor.ToModelBytes(MLImage)"/>
/// then <see cref="VitScorer.Score(IReadOnlyList{byte[]})"/>) against the batched path of training and validation
/// (<see cref="ImageCache"/> at the images' size, resized on the device).
/// </summary>
public class PreprocessingAgreementTests
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    public PreprocessingAgreementTests() => TorchRuntime.EnsureInitialized();

    private static MLImage Picture(int w, int h, int seed)
    {
        var bgra = PipelineReference.RandomBytes(w * h * 4, seed);
        for (int i = 3; i < bgra.Length; i += 4) bgra[i] = 255;
        return MLImage.CreateFromPixels(w, h, MLPixelFormat.Bgra32, bgra);
    }

    [Theory]
    [InlineData(3, 9, 7, 16)]   // upscale RGB
    [InlineData(1, 10, 10, 16)] // upscale grey
    [InlineData(3, 16, 16, 16)] // same size: identical
    [InlineData(1, 27, 21, 16)] // downscale grey
    public void SingleImagePathAgreesWithBatchedPathUpToByteRounding(int c, int w, int h, int size)
    {
        var mean = Mean[..c];
        var std = Std[..c];
        var preprocessor = new ImagePreprocessor(size, c);
        var builder = new BatchBuilder(c, size, mean, std);
        var pictures = Enumerable.Range(0, 4).Select(i => Picture(w, h, 10 * i + c)).ToList();
        try
        {
            using var scope = torch.NewDisposeScope();
            var planar = pictures.Select(preprocessor.ToPlanar).ToList();
            using var cache = ImageCache.Create(planar, preprocessor, threads: 2);
            Assert.Equal((long)h * w <= size * size ? new long[] { 4, c, h, w } : [4, c, size, size], cache.Data.shape);
            var batched = builder.Build(cache.Data);
            var single = builder.Build(torch.tensor(pictures.SelectMany(preprocessor.ToModelBytes).ToArray(), [4, c, size, size]));
            // Cached at the images' size, the device resizes in floats; the single-image path rounds the resized pixel
            // to a byte: at most half a level apart. Cached at the model size (larger images), both read the same bytes.
            bool deviceResizes = cache.Data.shape[2] != size || cache.Data.shape[3] != size;
            double bound = deviceResizes ? 0.5 / (255 * std.Min()) + 1e-5 : 0;
            double worst = (batched - single).abs().max().item<float>();
            Assert.True(worst <= bound, $"max difference {worst} > {bound}");
            if (deviceResizes)
                Assert.True(worst > 1e-4, "a resize was expected to round somewhere");
        }
        finally
        {
            foreach (var p in pictures) p.Dispose();
        }
    }

    [Fact]
    public void ScorerGivesTheSameProbabilitiesForCachedAndSingleImages()
    {
        var config = new VitConfig { ImageSize = 16, PatchSize = 4, Channels = 3, EmbedDim = 32, Depth = 1, NumHeads = 2, MlpRatio = 2, NumClasses = 3 };
        using var model = new VisionTransformer(config);
        var scorer = new VitScorer(model, torch.CPU, Mean, Std);
        var preprocessor = new ImagePreprocessor(16, 3);
        var pictures = Enumerable.Range(0, 5).Select(i => Picture(16, 16, 100 + i)).ToList();
        try
        {
            using var cache = ImageCache.Create(pictures.Select(preprocessor.ToPlanar).ToList(), preprocessor, threads: 2);
            using var placed = DeviceImages.Place(cache, torch.CPU);
            float[][] batched;
            using (var bytes = placed.Gather([0, 1, 2, 3, 4]))
                batched = scorer.Score(bytes);
            var single = pictures.Select(p => scorer.Score([preprocessor.ToModelBytes(p)])[0]).ToArray();
            var planar = scorer.Score(pictures.Select(preprocessor.ToPlanar).ToList());
            for (int i = 0; i < 5; i++)
                for (int k = 0; k < 3; k++)
                {
                    Assert.Equal(batched[i][k], single[i][k], 5);
                    Assert.Equal(batched[i][k], planar[i][k]);
                }
            Assert.Equal(1.0, batched[0].Sum(), 4);
            Assert.NotEqual(batched[0], batched[1]);
        }
        finally
        {
            foreach (var p in pictures) p.Dispose();
        }
    }

    [Fact]
    public void ScorerTakesDecodedImagesOfAnySize()
    {
        var config = new VitConfig { ImageSize = 16, PatchSize = 4, Channels = 1, EmbedDim = 32, Depth = 1, NumHeads = 2, MlpRatio = 2, NumClasses = 4 };
        using var model = new VisionTransformer(config);
        var scorer = new VitScorer(model, torch.CPU, [0.5f], [0.5f]);
        var preprocessor = new ImagePreprocessor(16, 1);
        var images = new[] { (9, 9), (9, 9), (20, 13) }
            .Select((s, i) => new PlanarImage(PipelineReference.RandomBytes(s.Item1 * s.Item2, 30 + i), 1, s.Item1, s.Item2)).ToList();
        // Mixed sizes: each image is scored as if resized to the model size on the CPU, alone or in a batch.
        var together = scorer.Score(images);
        for (int i = 0; i < images.Count; i++)
        {
            var alone = scorer.Score([preprocessor.ToModelBytes(images[i])])[0];
            for (int k = 0; k < 4; k++)
                Assert.Equal(alone[k], together[i][k], 5);
        }
        // One shared small size: resized on the device, as in training.
        var shared = scorer.Score(images.Take(2).ToList());
        using var bytes = torch.tensor(images[0].Pixels.Concat(images[1].Pixels).ToArray(), [2, 1, 9, 9]);
        var direct = scorer.Score(bytes);
        Assert.Equal(direct[1], shared[1]);
    }
}
