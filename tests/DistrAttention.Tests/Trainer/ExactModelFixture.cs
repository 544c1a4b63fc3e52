using ImageClassification.Data;

namespace DistrAttention.Tests.Trainer;

/// <summary>A tiny pipeline (MapValueToKey → ViT with exact attention) trained once for a few epochs and shared.</summary>
public sealed class ExactModelFixture : IDisposable
{
    public ExactModelFixture()
    {
        TorchRuntime.EnsureInitialized();
        Ml = new MLContext(seed: 1);
        Train = SyntheticImages.Data(Ml, perClass: 6, seed: 11);
        Model = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.MulticlassClassification.Trainers.VitImageClassification(SyntheticImages.TinyOptions(AttentionOptions.Exact, epochs: 3)))
            .Fit(Train);
        Vit = Model.LastTransformer;
    }

    public MLContext Ml { get; }
    public IDataView Train { get; }
    public TransformerChain<VitImageClassificationTransformer> Model { get; }
    public VitImageClassificationTransformer Vit { get; }

    /// <summary>The first 60 bytes of a real PNG of the embedded data set: signature, IHDR and the start of IDAT.</summary>
    public static byte[] TruncatedPng() => RealPng()[..60];

    /// <summary>A complete PNG of an image of the embedded Fashion-MNIST subset (the first Bag of its test split).</summary>
    public static byte[] RealPng()
    {
        var set = IdxImageSet.Load(EmbeddedData.Root, IdxSplit.TestPrefix);
        int row = Enumerable.Range(0, set.Count).First(r => set.LabelOf(r) == "Bag");
        var (height, width) = set.ImageSize;
        return GreyPng.Encode(set.PixelsOf(row), width, height);
    }

    public void Dispose() => Vit.Dispose();
}
