using System.Text.Json;
using System.Text.Json.Serialization;
using DistrAttention.Vit.Model;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Weights;

/// <summary>
/// Saves and loads a <see cref="VisionTransformer"/> as one safetensors stream: metadata <c>format</c> =
/// <c>distrattention-vit</c>, <c>config</c> = the <see cref="VitConfig"/> as JSON; tensors = the state dict
/// (parameters and the DistrAttention R buffers). Also imports timm / Hugging Face ViT safetensors weights.
/// </summary>
public static class VitCheckpoint
{
    /// <summary>Value of the <c>format</c> metadata entry.</summary>
    public const string FormatName = "distrattention-vit";
    /// <summary>Version of the checkpoint layout.</summary>
    public const string FormatVersion = "1";

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Writes the model's configuration and state dict to <paramref name="stream"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="stream">Writable destination.</param>
    public static void Save(VisionTransformer model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatName,
            ["format_version"] = FormatVersion,
            ["config"] = JsonSerializer.Serialize(model.Config, Json),
        };
        SafeTensors.Write(stream, model.state_dict(), metadata);
    }

    /// <summary>Saves to a file through a temporary file in the same folder, so the target is never half-written.</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">Target path; replaced if it exists.</param>
    public static void Save(VisionTransformer model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = full + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = File.Create(temporary))
                Save(model, stream);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Loads a model saved by <see cref="Save(VisionTransformer, Stream)"/> (on the CPU).</summary>
    /// <param name="stream">Readable source.</param>
    /// <exception cref="InvalidDataException">The stream is truncated, not safetensors, not a DistrAttention ViT checkpoint, or inconsistent.</exception>
    public static VisionTransformer Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var content = SafeTensors.Read(stream);
        if (!content.Metadata.TryGetValue("format", out var format) || format != FormatName)
            throw new InvalidDataException(
                $"Not a DistrAttention ViT checkpoint: metadata 'format' is '{format ?? "(missing)"}', expected '{FormatName}'.");
        if (!content.Metadata.TryGetValue("format_version", out var version) || version != FormatVersion)
            throw new InvalidDataException(
                $"Unsupported checkpoint version '{version ?? "(missing)"}', expected '{FormatVersion}'.");
        VitConfig config;
        try
        {
            config = JsonSerializer.Deserialize<VitConfig>(content.Metadata.GetValueOrDefault("config") ?? "", Json)
                     ?? throw new InvalidDataException("The checkpoint's config is empty.");
            config.Validate();
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException("The checkpoint's config is invalid: " + e.Message, e);
        }
        var model = new VisionTransformer(config);
        try
        {
            CopyInto(model, content.Tensors, skip: _ => false, "checkpoint");
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>Loads a checkpoint file.</summary>
    /// <param name="path">File path.</param>
    /// <exception cref="InvalidDataException">See <see cref="Load(Stream)"/>.</exception>
    public static VisionTransformer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Load(stream);
    }

    /// <summary>
    /// Copies timm (or Hugging Face <c>vit.*</c>) ViT weights from a safetensors file into <paramref name="model"/>.
    /// The DistrAttention R buffers are kept. A <c>module.</c> prefix is ignored. Nothing is copied unless every
    /// tensor fits: the file must hold each of the model's tensors with its shape and nothing else, except tensors
    /// that have no place in a ViT classifier by design (a Hugging Face pooler, DistrAttention R buffers, and the
    /// head when <paramref name="includeHead"/> is false).
    /// </summary>
    /// <param name="model">A model whose architecture matches the file.</param>
    /// <param name="safetensorsPath">The weights file.</param>
    /// <param name="includeHead">False to keep the model's own head (fine-tuning with another class count).</param>
    /// <exception cref="InvalidDataException">A tensor is missing, has the wrong shape, or is unknown to the model; the
    /// message names it (at most <see cref="MaxNamesInMessage"/> names of each kind).</exception>
    public static void LoadTimmWeights(VisionTransformer model, string safetensorsPath, bool includeHead = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(safetensorsPath);
        using var content = SafeTensors.Read(safetensorsPath);
        using var scope = NewDisposeScope();
        IReadOnlyDictionary<string, Tensor> tensors = content.Tensors.ToDictionary(
            p => p.Key.StartsWith("module.", StringComparison.Ordinal) ? p.Key["module.".Length..] : p.Key, p => p.Value);
        string origin = Path.GetFileName(safetensorsPath);
        bool huggingFace = HuggingFaceNames.Applies(tensors.Keys);
        List<string> unknown = [];
        if (huggingFace)
            tensors = HuggingFaceNames.ToTimm(tensors, model.Config.Depth, origin, out unknown);
        else
            unknown = tensors.Keys.ToList(); // narrowed to the names the model lacks in CopyInto
        CopyInto(model, tensors,
            skip: name => name.Contains(".kernel.", StringComparison.Ordinal)
                          || (!includeHead && name.StartsWith("head.", StringComparison.Ordinal)),
            huggingFace ? origin + " (Hugging Face names)" : origin,
            unknown.Where(n => !n.Contains(".kernel.", StringComparison.Ordinal)),
            huggingFace ? HuggingFaceNames.SourceName : null);
    }

    /// <summary>The most tensor names of one kind (missing, wrong shape, unknown) an import error lists.</summary>
    public const int MaxNamesInMessage = 10;

    // Checks every tensor first (missing from the source, wrong shape, or in the source but not in the model) and throws
    // one InvalidDataException naming them; copies only when all fit, so a failed load leaves the model as it was.
    // candidates: source names to report when the model has no tensor of that name (null: every source name).
    // sourceName: the name the source file uses for a model tensor, when it differs (Hugging Face).
    private static void CopyInto(VisionTransformer model, IReadOnlyDictionary<string, Tensor> source,
        Func<string, bool> skip, string origin, IEnumerable<string>? candidates = null, Func<string, string?>? sourceName = null)
    {
        using var noGrad = no_grad();
        var targets = model.state_dict();
        var missing = new List<string>();
        var misShaped = new List<(string Name, string Shapes)>();
        static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";
        string Named(string name) => sourceName?.Invoke(name) is { } s ? $"'{name}' (in the file: '{s}')" : $"'{name}'";
        foreach (var (name, target) in targets)
        {
            if (skip(name)) continue;
            if (!source.TryGetValue(name, out var tensor))
                missing.Add($"{Named(name)} (shape {Shape(target)})");
            else if (!tensor.shape.SequenceEqual(target.shape))
                misShaped.Add(($"{Named(name)}", $"shape {Shape(tensor)}, expected {Shape(target)}"));
        }
        var unknown = (candidates ?? source.Keys).Where(n => !targets.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count + misShaped.Count + unknown.Count > 0)
        {
            var message = new List<string>();
            if (missing.Count == 1)
                message.Add($"Tensor {missing[0]} is missing from {origin}.");
            else if (missing.Count > 1)
                message.Add($"{missing.Count} tensors are missing from {origin}: {List(missing)}.");
            if (misShaped.Count == 1)
                message.Add($"Tensor {misShaped[0].Name} in {origin} has {misShaped[0].Shapes}.");
            else if (misShaped.Count > 1)
                message.Add($"{misShaped.Count} tensors in {origin} have the wrong shape: {List(misShaped.Select(m => $"{m.Name} has {m.Shapes}").ToList())}.");
            if (unknown.Count > 0)
                message.Add($"{origin} holds {unknown.Count} tensor{(unknown.Count == 1 ? "" : "s")} the model does not have: " +
                            $"{List(unknown.Select(n => $"'{n}'").ToList())}.");
            var c = model.Config;
            message.Add($"The model: width {c.EmbedDim}, depth {c.Depth}, {c.NumHeads} heads, MLP {c.MlpHidden}, " +
                        $"{c.Channels}×{c.ImageSize}×{c.ImageSize} images, patch {c.PatchSize}, {c.NumClasses} classes; nothing was loaded.");
            throw new InvalidDataException(string.Join(" ", message));
        }
        foreach (var (name, target) in targets)
            if (!skip(name))
                target.copy_(source[name]);
    }

    private static string List(IReadOnlyList<string> items) =>
        string.Join(", ", items.Take(MaxNamesInMessage))
        + (items.Count > MaxNamesInMessage ? $" and {items.Count - MaxNamesInMessage} more" : "");
}
