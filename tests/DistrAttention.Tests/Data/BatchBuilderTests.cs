using Microsoft.ML.DistrAttention.Internal;
using static TorchSharp.torch;

namespace DistrAttention.Tests.Data;

/// <summary>The batched device pipeline (resize, crop, mirror, normalise) against the per-image reference.</summary>
public class BatchBuilderTests
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    public BatchBuilderTests() => TorchRuntime.EnsureInitialized();

    [Theory]
    [InlineData(3, 16, 16, 16)] // model size: normalisation only
    [InlineData(3, 7, 11, 16)]  // upscale, not square
    [InlineData(1, 40, 24, 16)] // downscale, grey
    public void NormalisedAndResizedBatchEqualsPerImageReference(int c, int h, int w, int size)
    {
        const int n = 5;
        var bytes = PipelineReference.RandomBytes(n * c * h * w, seed: h * 100 + w);
        var mean = Mean[..c];
        var std = Std[..c];
        using var scope = torch.NewDisposeScope();
        var batch = PipelineReference.ToArray(new BatchBuilder(c, size, mean, std).Build(PipelineReference.ByteTensor(bytes, n, c, h, w)));
        Assert.Equal(n * c * size * size, batch.Length);
        for (int i = 0; i < n; i++)
            Assert.True(PipelineReference.MaxDifference(batch, i, PipelineReference.Image(bytes, i, c, h, w, size, mean, std)) < 2e-5,
                $"image {i} differs from the reference");
    }

    [Theory]
    [InlineData(16)] // cache at model size
    [InlineData(10)] // cache smaller: resize, then shift in model pixels
    public void EveryShiftAndMirrorEqualsPerImageReference(int cached)
    {
        const int c = 3, size = 16, p = 3;
        // One image per (dx, dy, flip): 7 × 7 × 2 = 98 images, each with its own random bytes.
        var shifts = (from dx in Enumerable.Range(-p, 2 * p + 1) from dy in Enumerable.Range(-p, 2 * p + 1)
                      from flip in new[] { false, true } select (dx, dy, flip)).ToArray();
        int n = shifts.Length;
        var bytes = PipelineReference.RandomBytes(n * c * cached * cached, seed: 7 + cached);
        var augmentation = new Augmentation(p, shifts.Select(s => s.dx).ToArray(), shifts.Select(s => s.dy).ToArray(),
            shifts.Select(s => s.flip).ToArray());
        using var scope = torch.NewDisposeScope();
        var builder = new BatchBuilder(c, size, Mean, Std);
        var batch = PipelineReference.ToArray(builder.Build(PipelineReference.ByteTensor(bytes, n, c, cached, cached), augmentation));
        for (int i = 0; i < n; i++)
        {
            var (dx, dy, flip) = shifts[i];
            var reference = PipelineReference.Image(bytes, i, c, cached, cached, size, Mean, Std, dx, dy, flip);
            Assert.True(PipelineReference.MaxDifference(batch, i, reference) < 2e-5, $"dx {dx}, dy {dy}, flip {flip} differs from the reference");
        }
    }

    [Fact]
    public void CropFillIsRawBlackAfterNormalisation()
    {
        const int c = 3, size = 8, p = 2;
        var bytes = PipelineReference.RandomBytes(c * size * size, seed: 3);
        using var scope = torch.NewDisposeScope();
        var builder = new BatchBuilder(c, size, Mean, Std);
        // Shift right/down by the full padding: the last p rows and columns come from the padding.
        var batch = PipelineReference.ToArray(builder.Build(PipelineReference.ByteTensor(bytes, 1, c, size, size), new Augmentation(p, [p], [p], [false])));
        for (int ch = 0; ch < c; ch++)
        {
            float black = (0 - Mean[ch]) / Std[ch];
            Assert.Equal(black, builder.Black(ch), 5);
            Assert.Equal(black, batch[(ch * size + size - 1) * size + size - 1], 5);
            Assert.Equal(black, batch[(ch * size + 0) * size + size - 1], 5);
            Assert.Equal(black, batch[(ch * size + size - 1) * size + 0], 5);
            // Inside, the source pixel (y + p, x + p): never black, the bytes are ≥ 1.
            double inside = (bytes[(ch * size + p) * size + p] / 255.0 - Mean[ch]) / Std[ch];
            Assert.Equal(inside, batch[(ch * size + 0) * size + 0], 5);
        }
    }

    [Fact]
    public void MirrorReversesEachRow()
    {
        const int c = 1, size = 6;
        var bytes = PipelineReference.RandomBytes(2 * c * size * size, seed: 11);
        using var scope = torch.NewDisposeScope();
        var builder = new BatchBuilder(c, size, [0f], [1f]);
        var input = PipelineReference.ByteTensor(bytes, 2, c, size, size);
        var plain = builder.Build(input);
        var mirrored = builder.Build(input, new Augmentation(0, [0, 0], [0, 0], [true, false]));
        Assert.True(PipelineReference.Same(mirrored[0], plain[0].flip(2)));
        Assert.True(PipelineReference.Same(mirrored[1], plain[1]));
        Assert.False(PipelineReference.Same(mirrored[0], plain[0]));
    }

    [Fact]
    public void AugmentationDrawsAreReproducibleAndFollowTheFormerOrder()
    {
        var a = Augmentation.Draw(new Random(42), 64, 4, flip: true);
        var b = Augmentation.Draw(new Random(42), 64, 4, flip: true);
        var other = Augmentation.Draw(new Random(43), 64, 4, flip: true);
        Assert.Equal(a.Dx, b.Dx);
        Assert.Equal(a.Dy, b.Dy);
        Assert.Equal(a.Flip, b.Flip);
        Assert.NotEqual(a.Dx, other.Dx);
        Assert.InRange(a.Dx.Min(), -4, 0);
        Assert.InRange(a.Dx.Max(), 0, 4);
        Assert.Contains(-4, a.Dx.Concat(a.Dy));
        Assert.Contains(4, a.Dx.Concat(a.Dy));
        Assert.Contains(true, a.Flip);
        Assert.Contains(false, a.Flip);

        // The former per-image loop: dx, dy, then the flip, image after image.
        var random = new Random(42);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(random.Next(-4, 5), a.Dx[i]);
            Assert.Equal(random.Next(-4, 5), a.Dy[i]);
            Assert.Equal(random.Next(2) == 1, a.Flip[i]);
        }
        var none = Augmentation.Draw(new Random(42), 8, 0, flip: false);
        Assert.True(none.IsIdentity);
    }

    [Fact]
    public void SameSeedGivesTheSameAugmentedBatch()
    {
        const int c = 3, size = 12, n = 16;
        var bytes = PipelineReference.RandomBytes(n * c * 9 * 9, seed: 5);
        using var scope = torch.NewDisposeScope();
        var builder = new BatchBuilder(c, size, Mean, Std);
        var input = PipelineReference.ByteTensor(bytes, n, c, 9, 9);
        Tensor Make(int seed) => builder.Build(input, Augmentation.Draw(new Random(seed), n, 3, flip: true));
        Assert.True(PipelineReference.Same(Make(1), Make(1)));
        Assert.False(PipelineReference.Same(Make(1), Make(2)));
    }
}
