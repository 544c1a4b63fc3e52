using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using DistrAttention.Runtime;
using DistrAttention.Vit.Weights;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention;
using Microsoft.ML.DistrAttention.Internal;
using TorchSharp;

namespace Microsoft.ML;

/// <summary>
/// Saves and loads whole fitted pipelines that contain <see cref="VitImageClassificationTransformer"/>s.
/// ML.NET's <c>Model.Save</c>/<c>Load</c> cannot hold external transformers, so the file is a zip of segments:
/// each run of ML.NET transformers saved by <c>Model.Save</c>, and each ViT as a checkpoint plus JSON metadata
/// (columns, normalisation, label key values, training history).
/// </summary>
public static class VitModelOperations
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() }, WriteIndented = true };

    /// <summary>
    /// Saves a fitted pipeline (a transformer chain, possibly nested, or a single transformer) to <paramref name="path"/>.
    /// The file is written next to the target and moved into place, so the target is never half-written.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">Schema of the pipeline's input (returned again by <see cref="LoadWithVit(ModelOperationsCatalog, string, out DataViewSchema, ComputeDevice?)"/>).</param>
    /// <param name="path">Target file; replaced if it exists.</param>
    public static void SaveWithVit(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                catalog.SaveWithVit(model, inputSchema, file);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Saves a fitted pipeline to a stream (see <see cref="SaveWithVit(ModelOperationsCatalog, ITransformer, DataViewSchema, string)"/>).</summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="model">The fitted pipeline.</param>
    /// <param name="inputSchema">Schema of the pipeline's input.</param>
    /// <param name="stream">Writable destination.</param>
    public static void SaveWithVit(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(stream);
        var transformers = Flatten(model).ToList();
        var segments = new List<PipelineSegment>();
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var run = new List<ITransformer>();
        // The first ML.NET segment is always written (possibly empty): it carries the input schema.
        bool first = true;
        void FlushRun()
        {
            if (run.Count == 0 && !first) return;
            string entry = $"segment-{segments.Count}.mlnet.zip";
            using (var s = zip.CreateEntry(entry, CompressionLevel.Fastest).Open())
            using (var buffer = new MemoryStream())
            {
                catalog.Save(new TransformerChain<ITransformer>(run.ToArray()), first ? inputSchema : null, buffer);
                buffer.Position = 0;
                buffer.CopyTo(s);
            }
            segments.Add(new PipelineSegment(PipelineSegment.MlNet, entry));
            run.Clear();
            first = false;
        }
        foreach (var transformer in transformers)
        {
            if (transformer is not VitImageClassificationTransformer vit)
            {
                run.Add(transformer);
                continue;
            }
            FlushRun();
            string checkpoint = $"segment-{segments.Count}.vit.safetensors", metadata = $"segment-{segments.Count}.vit.json";
            using (var s = zip.CreateEntry(checkpoint, CompressionLevel.Fastest).Open())
                VitCheckpoint.Save(vit.Model, s);
            using (var s = zip.CreateEntry(metadata).Open())
                JsonSerializer.Serialize(s, Describe(vit), Json);
            segments.Add(new PipelineSegment(PipelineSegment.Vit, checkpoint, metadata));
        }
        FlushRun();
        using (var s = zip.CreateEntry(PipelineManifest.EntryName).Open())
            JsonSerializer.Serialize(s, new PipelineManifest(PipelineManifest.FormatName, PipelineManifest.CurrentVersion, segments), Json);
    }

    /// <summary>Loads a pipeline saved by <c>SaveWithVit</c>.</summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="path">The file.</param>
    /// <param name="inputSchema">The input schema saved with the pipeline.</param>
    /// <param name="device">Where the ViTs run; null means the device they were trained with.</param>
    /// <returns>The pipeline as one flat <see cref="TransformerChain{ITransformer}"/>.</returns>
    /// <exception cref="InvalidDataException">The file is corrupt, truncated or of another kind; the message names the path and the problem.</exception>
    public static ITransformer LoadWithVit(this ModelOperationsCatalog catalog, string path, out DataViewSchema inputSchema, ComputeDevice? device = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = File.OpenRead(path);
        return Load(catalog, file, $"'{path}'", out inputSchema, device);
    }

    /// <summary>Loads a pipeline saved by <c>SaveWithVit</c> from a stream.</summary>
    /// <param name="catalog">The model operations catalog.</param>
    /// <param name="stream">Readable source.</param>
    /// <param name="inputSchema">The input schema saved with the pipeline.</param>
    /// <param name="device">Where the ViTs run; null means the device they were trained with.</param>
    /// <returns>The pipeline as one flat <see cref="TransformerChain{ITransformer}"/>.</returns>
    /// <exception cref="InvalidDataException">The stream is corrupt, truncated or of another kind.</exception>
    public static ITransformer LoadWithVit(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema, ComputeDevice? device = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(stream);
        return Load(catalog, stream, "The stream", out inputSchema, device);
    }

    private static ITransformer Load(ModelOperationsCatalog catalog, Stream stream, string source, out DataViewSchema inputSchema, ComputeDevice? device)
    {
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            throw new InvalidDataException($"{source} is not a ViT pipeline file: it is not a zip archive, or it is truncated ({e.Message}).", e);
        }
        var loaded = new List<ITransformer>();
        try
        {
            using (zip)
            {
                var manifest = ReadManifest(zip, source);
                DataViewSchema? schema = null;
                foreach (var segment in manifest.Segments)
                {
                    if (segment.Kind == PipelineSegment.MlNet)
                    {
                        using var buffer = ReadEntry(zip, segment.Entry, source);
                        ITransformer chain;
                        try
                        {
                            chain = catalog.Load(buffer, out var segmentSchema);
                            schema ??= segmentSchema;
                        }
                        catch (Exception e) when (e is not OutOfMemoryException)
                        {
                            throw new InvalidDataException($"{source}: ML.NET segment '{segment.Entry}' could not be loaded: {e.Message}", e);
                        }
                        loaded.AddRange(Flatten(chain));
                    }
                    else if (segment.Kind == PipelineSegment.Vit && segment.MetadataEntry is not null)
                        loaded.Add(LoadVit(zip, segment, source, device));
                    else
                        throw new InvalidDataException($"{source}: unknown segment kind '{segment.Kind}' in {PipelineManifest.EntryName}.");
                }
                inputSchema = schema ?? throw new InvalidDataException($"{source}: the pipeline holds no input schema.");
            }
        }
        catch
        {
            foreach (var t in loaded) (t as IDisposable)?.Dispose();
            throw;
        }
        return new TransformerChain<ITransformer>(loaded.ToArray());
    }

    private static PipelineManifest ReadManifest(ZipArchive zip, string source)
    {
        if (zip.GetEntry(PipelineManifest.EntryName) is null)
        {
            bool plainMlNet = zip.Entries.Any(e => e.FullName.StartsWith("TransformerChain", StringComparison.Ordinal));
            throw new InvalidDataException(plainMlNet
                ? $"{source} is a plain ML.NET model, not a ViT pipeline: load it with mlContext.Model.Load."
                : $"{source} is not a ViT pipeline file: it has no {PipelineManifest.EntryName}.");
        }
        using var buffer = ReadEntry(zip, PipelineManifest.EntryName, source);
        PipelineManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<PipelineManifest>(buffer, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: {PipelineManifest.EntryName} is not valid JSON ({e.Message}).", e);
        }
        if (manifest is null || manifest.Format != PipelineManifest.FormatName || manifest.Segments is null)
            throw new InvalidDataException($"{source} is not a ViT pipeline file: its manifest format is '{manifest?.Format}', expected '{PipelineManifest.FormatName}'.");
        if (manifest.Version != PipelineManifest.CurrentVersion)
            throw new InvalidDataException($"{source}: unsupported ViT pipeline version {manifest.Version}; this library reads version {PipelineManifest.CurrentVersion}.");
        return manifest;
    }

    private static VitImageClassificationTransformer LoadVit(ZipArchive zip, PipelineSegment segment, string source, ComputeDevice? device)
    {
        VitTransformerMetadata meta;
        using (var buffer = ReadEntry(zip, segment.MetadataEntry!, source))
        {
            try
            {
                meta = JsonSerializer.Deserialize<VitTransformerMetadata>(buffer, Json)
                    ?? throw new InvalidDataException("it is empty");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{source}: ViT metadata '{segment.MetadataEntry}' is invalid ({e.Message}).", e);
            }
        }
        global::DistrAttention.Vit.Model.VisionTransformer model;
        using (var buffer = ReadEntry(zip, segment.Entry, source))
        {
            try
            {
                model = VitCheckpoint.Load(buffer);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new InvalidDataException($"{source}: ViT checkpoint '{segment.Entry}' could not be loaded: {e.Message}", e);
            }
        }
        try
        {
            if (meta.Scorer is null)
                throw new InvalidDataException($"{source}: ViT metadata '{segment.MetadataEntry}' has no scorer settings.");
            if (model.Config.NumClasses != meta.ClassCount || meta.Scorer.Mean.Length != model.Config.Channels
                || meta.Scorer.Std.Length != model.Config.Channels)
                throw new InvalidDataException($"{source}: ViT metadata '{segment.MetadataEntry}' does not match its checkpoint (classes or channels differ).");
            var requested = device ?? meta.Scorer.Device;
            var torchDevice = TorchRuntime.Resolve(requested);
            model.to(torchDevice);
            model.Precision = meta.Scorer.Precision;
            var settings = meta.Scorer with { Device = requested };
            var keys = new LabelKeys(meta.ClassCount, meta.KeyValueType, meta.KeyValues);
            return new VitImageClassificationTransformer(model, torchDevice, settings, keys,
                new TrainingHistory(meta.History ?? [], meta.BestEpoch, meta.StoppedEarly));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    // Entries are copied out whole: ML.NET needs a seekable stream, and CRC errors surface here with the entry name.
    private static MemoryStream ReadEntry(ZipArchive zip, string name, string source)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"{source} is damaged: entry '{name}' is missing.");
        var buffer = new MemoryStream();
        try
        {
            using var s = entry.Open();
            s.CopyTo(buffer);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new InvalidDataException($"{source} is damaged: entry '{name}' cannot be read ({e.Message}).", e);
        }
        buffer.Position = 0;
        return buffer;
    }

    private static VitTransformerMetadata Describe(VitImageClassificationTransformer vit)
    {
        var k = vit.Keys;
        return new VitTransformerMetadata(vit.Settings, k.Count, k.ValueType, k.Values,
            vit.History.Epochs.ToList(), vit.History.BestEpoch, vit.History.StoppedEarly);
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain && transformer.GetType().IsGenericType
            && transformer.GetType().GetGenericTypeDefinition() == typeof(TransformerChain<>)
            ? chain.SelectMany(Flatten)
            : [transformer];
}
