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
    /// The DistrAttention R buffers are kept. A <c>module.</c> prefix is ignored.
    /// </summary>
    /// <param name="model">A model whose architecture matches the file.</param>
    /// <param name="safetensorsPath">The weights file.</param>
    /// <param name="includeHead">False to keep the model's own head (fine-tuning with another class count).</param>
    /// <exception cref="InvalidDataException">A tensor is missing or has the wrong shape; the message names it.</exception>
    public static void LoadTimmWeights(VisionTransformer model, string safetensorsPath, bool includeHead = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(safetensorsPath);
        using var content = SafeTensors.Read(safetensorsPath);
        using var scope = NewDisposeScope();
        IReadOnlyDictionary<string, Tensor> tensors = content.Tensors.ToDictionary(
            p => p.Key.StartsWith("module.", StringComparison.Ordinal) ? p.Key["module.".Length..] : p.Key, p => p.Value);
        if (HuggingFaceNames.Applies(tensors.Keys))
            tensors = HuggingFaceNames.ToTimm(tensors, model.Config.Depth);
        CopyInto(model, tensors,
            skip: name => name.Contains(".kernel.", StringComparison.Ordinal)
                          || (!includeHead && name.StartsWith("head.", StringComparison.Ordinal)),
            Path.GetFileName(safetensorsPath));
    }

    private static void CopyInto(VisionTransformer model, IReadOnlyDictionary<string, Tensor> source,
        Func<string, bool> skip, string origin)
    {
        using var noGrad = no_grad();
        foreach (var (name, target) in model.state_dict())
        {
            if (skip(name)) continue;
            if (!source.TryGetValue(name, out var tensor))
                throw new InvalidDataException(
                    $"Tensor '{name}' (shape [{string.Join(", ", target.shape)}]) is missing from {origin}.");
            if (!tensor.shape.SequenceEqual(target.shape))
                throw new InvalidDataException(
                    $"Tensor '{name}' in {origin} has shape [{string.Join(", ", tensor.shape)}], expected [{string.Join(", ", target.shape)}].");
            target.copy_(tensor);
        }
    }
}
