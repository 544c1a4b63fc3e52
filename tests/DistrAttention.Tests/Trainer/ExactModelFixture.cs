using DistrAttention.Vit.Attention;
using DistrAttention.Runtime;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention;

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
    public static byte[] TruncatedPng() => File.ReadAllBytes(RealPngPath())[..60];

    /// <summary>A complete PNG of the embedded Fashion-MNIST subset.</summary>
    public static string RealPngPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string folder = Path.Combine(dir.FullName, "samples", "ImageClassification", "data", "fashion-mnist-subset", "test", "Bag");
            if (Directory.Exists(folder))
                return Directory.EnumerateFiles(folder, "*.png").Order().First();
        }
        throw new DirectoryNotFoundException("samples/ImageClassification/data/fashion-mnist-subset not found above " + AppContext.BaseDirectory);
    }

    public void Dispose() => Vit.Dispose();
}
