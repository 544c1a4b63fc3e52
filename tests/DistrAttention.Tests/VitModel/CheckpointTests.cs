using DistrAttention.Vit.Weights;
using static DistrAttention.Tests.VitModel.TensorTestData;
using static TorchSharp.torch;

namespace DistrAttention.Tests.VitModel;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempFolder folder = new("vit-ckpt-");

    /// <summary>Loads libtorch before the first TorchSharp call.</summary>
    public CheckpointTests() => TorchRuntime.EnsureInitialized();

    /// <inheritdoc />
    public void Dispose() => folder.Dispose();

    [Fact]
    public void SafeTensorsRoundTripsDTypesShapesAndMetadata()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = Randn(1, ScalarType.Float32, 2, 3),
            ["f16"] = Randn(2, ScalarType.Float16, 5),
            ["bf16"] = Randn(3, ScalarType.BFloat16, 1, 2, 2),
            ["i64"] = tensor(new long[] { 1, -2, 1L << 40 }),
            ["empty"] = zeros(0, 4),
        };
        using var stream = new MemoryStream();
        SafeTensors.Write(stream, tensors, new Dictionary<string, string> { ["k"] = "v" });
        var bytes = stream.ToArray();
        Assert.Equal(0, (8 + (long)BitConverter.ToUInt64(bytes, 0)) % 8);
        using var read = SafeTensors.Read(new MemoryStream(bytes));
        Assert.Equal("v", read.Metadata["k"]);
        Assert.Equal(tensors.Keys, read.Tensors.Keys);
        foreach (var (name, t) in tensors)
            Assert.True(Identical(t, read.Tensors[name]), name);
    }

    [Fact]
    public void CheckpointRoundTripGivesIdenticalLogitsAndProjection()
    {
        using var scope = NewDisposeScope();
        var config = VisionTransformerTests.TinyConfig(new AttentionOptions { GroupSize = 2, BlockSize = 16, Seed = 3, Mode = DistrAttentionMode.Sample });
        using var model = new VisionTransformer(config);
        model.eval();
        using (no_grad()) // make R differ from what the seed would give, so it must come from the file
            model.state_dict()["blocks.0.attn.kernel.r"].mul_(-1);
        var images = Randn(4, ScalarType.Float32, 2, 1, 32, 32);
        var expected = model.forward(images);

        string path = folder.Combine("model.safetensors");
        VitCheckpoint.Save(model, path);
        using var loaded = VitCheckpoint.Load(path);
        loaded.eval();
        Assert.Equal(config, loaded.Config);
        Assert.True(Identical(model.state_dict()["blocks.0.attn.kernel.r"], loaded.state_dict()["blocks.0.attn.kernel.r"]));
        Assert.True(Identical(expected, loaded.forward(images)));
        Assert.Empty(Directory.GetFiles(folder.Path, "*.tmp"));
    }

    [Fact]
    public void TruncatedCheckpointThrowsInvalidData()
    {
        using var model = new VisionTransformer(VisionTransformerTests.TinyConfig());
        using var stream = new MemoryStream();
        VitCheckpoint.Save(model, stream);
        var bytes = stream.ToArray();
        foreach (int length in new[] { 0, 5, 100, bytes.Length - 1 })
        {
            var e = Assert.Throws<InvalidDataException>(() => VitCheckpoint.Load(new MemoryStream(bytes[..length])));
            Assert.Contains("truncated", e.Message);
        }
    }

    [Fact]
    public void WrongKindOfFileThrowsInvalidData()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<InvalidDataException>(() => VitCheckpoint.Load(new MemoryStream("PK\u0003\u0004 this is a zip"u8.ToArray())));
        Assert.Contains("safetensors", e.Message);
        using var plain = new MemoryStream();
        SafeTensors.Write(plain, new Dictionary<string, Tensor> { ["x"] = zeros(2) });
        plain.Position = 0;
        e = Assert.Throws<InvalidDataException>(() => VitCheckpoint.Load(plain));
        Assert.Contains("distrattention-vit", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TimmAndHuggingFaceWeightsLoad(bool huggingFace)
    {
        using var scope = NewDisposeScope();
        var config = VisionTransformerTests.TinyConfig();
        using var source = new VisionTransformer(config);
        source.eval();
        var timm = source.state_dict().Where(p => !p.Key.Contains(".kernel.")).ToDictionary(p => p.Key, p => p.Value);
        string path = folder.Combine("weights.safetensors");
        using (var file = File.Create(path))
            SafeTensors.Write(file, huggingFace ? ToHuggingFace(timm, config.Depth) : timm);

        using var target = new VisionTransformer(config);
        target.eval();
        var images = Randn(5, ScalarType.Float32, 2, 1, 32, 32);
        Assert.False(Identical(source.forward(images), target.forward(images)));
        VitCheckpoint.LoadTimmWeights(target, path);
        Assert.True(RelativeError(target.forward(images), source.forward(images)) < 1e-6);
    }

    [Fact]
    public void MissingOrMisShapedTimmTensorsAreNamed()
    {
        using var scope = NewDisposeScope();
        var config = VisionTransformerTests.TinyConfig();
        using var model = new VisionTransformer(config);
        var timm = model.state_dict().Where(p => !p.Key.Contains(".kernel.")).ToDictionary(p => p.Key, p => p.Value);
        string path = folder.Combine("bad.safetensors");

        using (var file = File.Create(path))
            SafeTensors.Write(file, timm.Where(p => p.Key != "blocks.1.mlp.fc2.weight"));
        var e = Assert.Throws<InvalidDataException>(() => VitCheckpoint.LoadTimmWeights(model, path));
        Assert.Contains("blocks.1.mlp.fc2.weight", e.Message);
        Assert.Contains("missing", e.Message);

        timm["head.weight"] = zeros(10, 32);
        using (var file = File.Create(path))
            SafeTensors.Write(file, timm);
        e = Assert.Throws<InvalidDataException>(() => VitCheckpoint.LoadTimmWeights(model, path));
        Assert.Contains("head.weight", e.Message);
        Assert.Contains("[5, 32]", e.Message);
        VitCheckpoint.LoadTimmWeights(model, path, includeHead: false); // fine-tuning keeps the model's own head
    }

    internal static Dictionary<string, Tensor> ToHuggingFace(Dictionary<string, Tensor> timm, int depth)
    {
        var hf = new Dictionary<string, Tensor>
        {
            ["vit.embeddings.cls_token"] = timm["cls_token"],
            ["vit.embeddings.position_embeddings"] = timm["pos_embed"],
            ["vit.embeddings.patch_embeddings.projection.weight"] = timm["patch_embed.proj.weight"],
            ["vit.embeddings.patch_embeddings.projection.bias"] = timm["patch_embed.proj.bias"],
            ["vit.layernorm.weight"] = timm["norm.weight"],
            ["vit.layernorm.bias"] = timm["norm.bias"],
            ["classifier.weight"] = timm["head.weight"],
            ["classifier.bias"] = timm["head.bias"],
        };
        var layerMap = new[] { ("norm1", "layernorm_before"), ("attn.proj", "attention.output.dense"), ("norm2", "layernorm_after"),
            ("mlp.fc1", "intermediate.dense"), ("mlp.fc2", "output.dense") };
        for (int i = 0; i < depth; i++)
            foreach (var part in new[] { "weight", "bias" })
            {
                foreach (var (t, h) in layerMap)
                    hf[$"vit.encoder.layer.{i}.{h}.{part}"] = timm[$"blocks.{i}.{t}.{part}"];
                var qkv = timm[$"blocks.{i}.attn.qkv.{part}"].chunk(3, 0);
                hf[$"vit.encoder.layer.{i}.attention.attention.query.{part}"] = qkv[0];
                hf[$"vit.encoder.layer.{i}.attention.attention.key.{part}"] = qkv[1];
                hf[$"vit.encoder.layer.{i}.attention.attention.value.{part}"] = qkv[2];
            }
        return hf;
    }
}
