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

    private static readonly string[] QkvParts = ["query", "key", "value"];

    /// <summary>True when the names look like Hugging Face ViT names.</summary>
    public static bool Applies(IEnumerable<string> names) => names.Any(n => n.StartsWith("vit.", StringComparison.Ordinal));

    /// <summary>
    /// Tensors a Hugging Face file may hold that a timm ViT classifier has no use for: the pooler of <c>ViTModel</c>
    /// (<c>vit.pooler.dense.*</c>, a tanh layer on the class token that <c>ViTForImageClassification</c> does not apply).
    /// </summary>
    public static bool IsUnused(string name) => name.StartsWith("vit.pooler.", StringComparison.Ordinal);

    /// <summary>
    /// Returns timm-named views of the tensors (new tensors only for the fused qkv, owned by the caller's scope), and in
    /// <paramref name="unknown"/> the source names that map to nothing in a model of <paramref name="depth"/> blocks
    /// (the pooler excepted, see <see cref="IsUnused"/>).
    /// </summary>
    /// <exception cref="InvalidDataException">A layer's query, key and value cannot be stacked (their shapes differ beyond dim 0); the message names them and <paramref name="origin"/>.</exception>
    public static Dictionary<string, Tensor> ToTimm(IReadOnlyDictionary<string, Tensor> source, int depth, string origin, out List<string> unknown)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        void Map(string hf, string timm)
        {
            if (!source.TryGetValue(hf, out var t)) return;
            result[timm] = t;
            used.Add(hf);
        }
        foreach (var (hf, timm) in Fixed)
            Map(hf, timm);
        for (int i = 0; i < depth; i++)
        {
            string prefix = $"vit.encoder.layer.{i}.";
            foreach (var (hf, timm) in PerLayer)
                foreach (string part in new[] { "weight", "bias" })
                    Map($"{prefix}{hf}.{part}", $"blocks.{i}.{timm}.{part}");
            foreach (string part in new[] { "weight", "bias" })
            {
                var names = QkvParts.Select(p => $"{prefix}attention.attention.{p}.{part}").ToArray();
                var pieces = names.Select(n => source.GetValueOrDefault(n)).ToArray();
                // A lone query or key is counted as used: the missing fused tensor is reported under its Hugging Face names.
                used.UnionWith(names.Where(source.ContainsKey));
                if (pieces.All(p => p is not null))
                {
                    if (pieces.Any(p => p!.dim() == 0 || !p.shape.Skip(1).SequenceEqual(pieces[0]!.shape.Skip(1))))
                        throw new InvalidDataException(
                            $"In {origin}, the query, key and value tensors of layer {i} ({string.Join(", ", names.Zip(pieces, (n, p) => $"'{n}' [{string.Join(", ", p!.shape)}]"))}) cannot be stacked into a qkv {part}; nothing was loaded.");
                    result[$"blocks.{i}.attn.qkv.{part}"] = cat(pieces!, 0);
                }
            }
        }
        unknown = source.Keys.Where(n => !used.Contains(n) && !IsUnused(n)).ToList();
        return result;
    }

    /// <summary>The Hugging Face name(s) a timm name comes from, for error messages; null for a name it has none for.</summary>
    public static string? SourceName(string timmName)
    {
        foreach (var (hf, timm) in Fixed)
            if (timm == timmName) return hf;
        var parts = timmName.Split('.');
        if (parts.Length < 4 || parts[0] != "blocks" || !int.TryParse(parts[1], out int layer)) return null;
        string inner = string.Join('.', parts[2..^1]), part = parts[^1];
        string prefix = $"vit.encoder.layer.{layer}.";
        if (inner == "attn.qkv")
            return string.Join(" + ", QkvParts.Select(p => $"{prefix}attention.attention.{p}.{part}"));
        foreach (var (hf, timm) in PerLayer)
            if (timm == inner) return $"{prefix}{hf}.{part}";
        return null;
    }
}
