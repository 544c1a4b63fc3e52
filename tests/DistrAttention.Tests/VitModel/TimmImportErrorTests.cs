using DistrAttention.Vit.Weights;
using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

/// <summary>
/// timm / Hugging Face safetensors import on small synthetic files (written with <see cref="SafeTensors.Write"/>): exact
/// round trips, and errors that name every unknown, missing or mis-shaped tensor and leave the model untouched.
/// </summary>
public sealed class TimmImportErrorTests : IDisposable
{
    private readonly TempFolder folder = new("vit-import-");
    private readonly VitConfig config = VisionTransformerTests.TinyConfig(); // width 32, depth 2, 1×32×32, patch 8, 5 classes

    /// <summary>Loads libtorch before the first TorchSharp call.</summary>
    public TimmImportErrorTests() => TorchRuntime.EnsureInitialized();

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    private static Dictionary<string, Tensor> TimmTensors(VisionTransformer model) =>
        model.state_dict().Where(p => !p.Key.Contains(".kernel.")).ToDictionary(p => p.Key, p => p.Value);

    private string WriteFile(string name, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string path = folder.Combine(name);
        using var file = File.Create(path);
        SafeTensors.Write(file, tensors, metadata);
        return path;
    }

    /// <summary>Loads <paramref name="path"/> into a fresh model, expecting an error; checks the model was left as it was.</summary>
    private InvalidDataException LoadFails(string path, bool includeHead = true)
    {
        using var model = new VisionTransformer(config);
        var before = TimmTensors(model).ToDictionary(p => p.Key, p => p.Value.clone());
        var e = Assert.Throws<InvalidDataException>(() => VitCheckpoint.LoadTimmWeights(model, path, includeHead));
        foreach (var (name, tensor) in TimmTensors(model))
            Assert.True(Identical(before[name], tensor), $"{name} changed although the load failed");
        Assert.Contains("nothing was loaded", e.Message);
        return e;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)] // ViTModel's pooler (vit.pooler.dense.*) is not part of a classifier: ignored
    public void TimmAndHuggingFaceFilesRoundTripExactly(bool huggingFace, bool withPooler)
    {
        using var scope = NewDisposeScope();
        using var source = new VisionTransformer(config);
        source.eval();
        var timm = TimmTensors(source);
        var tensors = huggingFace ? CheckpointTests.ToHuggingFace(timm, config.Depth) : timm;
        if (withPooler)
        {
            tensors["vit.pooler.dense.weight"] = Randn(7, ScalarType.Float32, config.EmbedDim, config.EmbedDim);
            tensors["vit.pooler.dense.bias"] = zeros(config.EmbedDim);
        }
        string path = WriteFile("weights.safetensors", tensors);

        using var target = new VisionTransformer(config);
        target.eval();
        VitCheckpoint.LoadTimmWeights(target, path);
        foreach (var (name, tensor) in TimmTensors(target))
            Assert.True(Identical(timm[name], tensor), name);
        var images = Randn(5, ScalarType.Float32, 3, 1, 32, 32);
        Assert.True(Identical(source.forward(images), target.forward(images)));
    }

    [Fact]
    public void UnknownTimmTensorsAreNamed()
    {
        using var scope = NewDisposeScope();
        using var source = new VisionTransformer(config);
        var timm = TimmTensors(source);
        timm["fc_norm.weight"] = ones(config.EmbedDim);           // timm's avg-pool variant
        timm["blocks.0.ls1.gamma"] = ones(config.EmbedDim);       // layer scale (another architecture)
        timm["blocks.2.norm1.weight"] = ones(config.EmbedDim);    // a third block in a depth-2 model
        var e = LoadFails(WriteFile("extra.safetensors", timm));
        foreach (var name in new[] { "fc_norm.weight", "blocks.0.ls1.gamma", "blocks.2.norm1.weight" })
            Assert.Contains($"'{name}'", e.Message);
        Assert.Contains("extra.safetensors holds 3 tensors the model does not have", e.Message);
        Assert.DoesNotContain("missing", e.Message);
    }

    [Fact]
    public void UnknownHuggingFaceTensorsAreNamedWithTheirFileNames()
    {
        using var scope = NewDisposeScope();
        using var source = new VisionTransformer(config);
        var hf = CheckpointTests.ToHuggingFace(TimmTensors(source), config.Depth);
        hf["vit.embeddings.mask_token"] = zeros(1, 1, config.EmbedDim);
        hf["vit.encoder.layer.2.layernorm_before.weight"] = ones(config.EmbedDim); // deeper than the model
        var e = LoadFails(WriteFile("hf.safetensors", hf));
        Assert.Contains("'vit.embeddings.mask_token'", e.Message);
        Assert.Contains("'vit.encoder.layer.2.layernorm_before.weight'", e.Message);
        Assert.Contains("(Hugging Face names) holds 2 tensors the model does not have", e.Message);
    }

    [Fact]
    public void AtMostTenUnknownNamesAreListed()
    {
        using var scope = NewDisposeScope();
        using var source = new VisionTransformer(config);
        var timm = TimmTensors(source);
        for (int i = 0; i < 25; i++)
            timm[$"extra.{i:D2}"] = zeros(1);
        var e = LoadFails(WriteFile("many.safetensors", timm));
        Assert.Contains("holds 25 tensors", e.Message);
        Assert.Contains("'extra.00'", e.Message);
        Assert.Contains("'extra.09'", e.Message);
        Assert.DoesNotContain("'extra.10'", e.Message);
        Assert.Contains("and 15 more", e.Message);
    }

    [Fact]
    public void MissingTensorsAreNamedInBothNamings()
    {
        using var scope = NewDisposeScope();
        using var source = new VisionTransformer(config);
        var timm = TimmTensors(source);
        var e = LoadFails(WriteFile("timm.safetensors", timm.Where(p => p.Key != "blocks.1.attn.proj.bias")));
        Assert.Contains("Tensor 'blocks.1.attn.proj.bias' (shape [32]) is missing from timm.safetensors", e.Message);

        var hf = CheckpointTests.ToHuggingFace(timm, config.Depth);
        hf.Remove("vit.encoder.layer.1.output.dense.weight");
        hf.Remove("vit.encoder.layer.0.attention.attention.value.bias");
        e = LoadFails(WriteFile("hf.safetensors", hf));
        Assert.Contains("2 tensors are missing from hf.safetensors", e.Message);
        Assert.Contains("'blocks.1.mlp.fc2.weight' (in the file: 'vit.encoder.layer.1.output.dense.weight') (shape [32, 128])", e.Message);
        Assert.Contains("'blocks.0.attn.qkv.bias' (in the file: 'vit.encoder.layer.0.attention.attention.query.bias + " +
                        "vit.encoder.layer.0.attention.attention.key.bias + vit.encoder.layer.0.attention.attention.value.bias')", e.Message);
        Assert.DoesNotContain("does not have", e.Message); // the lone query and key are not reported as unknown
    }

    [Fact]
    public void WrongShapesAreNamedWithBothShapes()
    {
        using var scope = NewDisposeScope();
        using var source = new VisionTransformer(config);
        var timm = TimmTensors(source);
        var rgb = new Dictionary<string, Tensor>(timm) { ["patch_embed.proj.weight"] = zeros(32, 3, 8, 8) };
        var e = LoadFails(WriteFile("rgb.safetensors", rgb));
        Assert.Contains("Tensor 'patch_embed.proj.weight' in rgb.safetensors has shape [32, 3, 8, 8], expected [32, 1, 8, 8]", e.Message);
        Assert.Contains("1×32×32 images", e.Message);

        var hf = CheckpointTests.ToHuggingFace(timm, config.Depth);
        hf["classifier.weight"] = zeros(1000, 32);
        hf["classifier.bias"] = zeros(1000);
        e = LoadFails(WriteFile("hf.safetensors", hf));
        Assert.Contains("2 tensors in hf.safetensors (Hugging Face names) have the wrong shape", e.Message);
        Assert.Contains("'head.weight' (in the file: 'classifier.weight') has shape [1000, 32], expected [5, 32]", e.Message);
        Assert.Contains("'head.bias' (in the file: 'classifier.bias') has shape [1000], expected [5]", e.Message);

        // Fine-tuning with another class count keeps the model's head: the 1000-class head is no error then.
        using var model = new VisionTransformer(config);
        VitCheckpoint.LoadTimmWeights(model, folder.Combine("hf.safetensors"), includeHead: false);
        Assert.True(Identical(timm["norm.weight"], model.state_dict()["norm.weight"]));
    }

    [Fact]
    public void QueryKeyValueThatCannotBeStackedAreNamed()
    {
        using var scope = NewDisposeScope();
        using var source = new VisionTransformer(config);
        var hf = CheckpointTests.ToHuggingFace(TimmTensors(source), config.Depth);
        hf["vit.encoder.layer.0.attention.attention.key.weight"] = zeros(32, 16);
        var e = LoadFails(WriteFile("qkv.safetensors", hf));
        Assert.Contains("'vit.encoder.layer.0.attention.attention.key.weight' [32, 16]", e.Message);
        Assert.Contains("qkv weight", e.Message);
    }

    [Fact]
    public void CheckpointWithAnUnknownTensorIsRejected()
    {
        using var scope = NewDisposeScope();
        using var model = new VisionTransformer(config);
        using var saved = new MemoryStream();
        VitCheckpoint.Save(model, saved);
        saved.Position = 0;
        using var content = SafeTensors.Read(saved);
        var tensors = content.Tensors.ToDictionary(p => p.Key, p => p.Value);
        tensors["blocks.0.attn.kernel.r2"] = zeros(4);
        using var edited = new MemoryStream();
        SafeTensors.Write(edited, tensors, content.Metadata);
        edited.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => VitCheckpoint.Load(edited));
        Assert.Contains("checkpoint holds 1 tensor the model does not have: 'blocks.0.attn.kernel.r2'", e.Message);
    }
}
