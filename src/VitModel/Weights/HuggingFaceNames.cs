using static TorchSharp.torch;

namespace DistrAttention.Vit.Weights;

/// <summary>Translates Hugging Face <c>ViTForImageClassification</c> tensor names to timm names (fusing Q, K, V into qkv).</summary>
internal static class HuggingFaceNames
{
    private static readonly (string Hf, string Timm)[] Fixed =
    [
        ("vit.embeddings.cls_token", "cls_token"),
        ("vit.embeddings.position_embeddings", "pos_embed"),
        ("vit.embeddings.patch_embeddings.projection.weight", "patch_embed.proj.weight"),
        ("vit.embeddings.patch_embeddings.projection.bias", "patch_embed.proj.bias"),
        ("vit.layernorm.weight", "norm.weight"),
        ("vit.layernorm.bias", "norm.bias"),
        ("classifier.weight", "head.weight"),
        ("classifier.bias", "head.bias"),
    ];

    private static readonly (string Hf, string Timm)[] PerLayer =
    [
        ("layernorm_before", "norm1"),
        ("attention.output.dense", "attn.proj"),
        ("layernorm_after", "norm2"),
        ("intermediate.dense", "mlp.fc1"),
        ("output.dense", "mlp.fc2"),
    ];

    /// <summary>True when the names look like Hugging Face ViT names.</summary>
    public static bool Applies(IEnumerable<string> names) => names.Any(n => n.StartsWith("vit.", StringComparison.Ordinal));

    /// <summary>Returns timm-named views of the tensors (new tensors only for the fused qkv, owned by the caller's scope).</summary>
    public static Dictionary<string, Tensor> ToTimm(IReadOnlyDictionary<string, Tensor> source, int depth)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (hf, timm) in Fixed)
            if (source.TryGetValue(hf, out var t)) result[timm] = t;
        for (int i = 0; i < depth; i++)
        {
            string prefix = $"vit.encoder.layer.{i}.";
            foreach (var (hf, timm) in PerLayer)
                foreach (string part in new[] { "weight", "bias" })
                    if (source.TryGetValue($"{prefix}{hf}.{part}", out var t))
                        result[$"blocks.{i}.{timm}.{part}"] = t;
            foreach (string part in new[] { "weight", "bias" })
            {
                var pieces = new[] { "query", "key", "value" }
                    .Select(p => source.GetValueOrDefault($"{prefix}attention.attention.{p}.{part}")).ToArray();
                if (pieces.All(p => p is not null))
                    result[$"blocks.{i}.attn.qkv.{part}"] = cat(pieces!, 0);
            }
        }
        return result;
    }
}
