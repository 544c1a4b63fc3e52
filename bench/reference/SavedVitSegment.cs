using System.IO.Compression;
using System.Text.Json;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Weights;

namespace DistrAttention.Bench.Reference;

/// <summary>
/// The ViT segment of a pipeline zip written by <c>mlContext.Model.SaveWithVit</c>: the checkpoint entry
/// (<c>segment-N.vit.safetensors</c>) and the metadata that the transformer applies around it (normalisation,
/// class order). Read directly because the pipeline's transformer does not expose its model publicly, and the
/// bench needs the model itself to hook and swap its attention.
/// </summary>
internal sealed record SavedVitSegment(float[] Mean, float[] Std, IReadOnlyList<string> Classes, byte[] Checkpoint)
{
    /// <summary>Reads the single ViT segment named by the zip's <c>manifest.json</c>.</summary>
    /// <exception cref="InvalidDataException">The zip holds no ViT segment, or more than one.</exception>
    public static SavedVitSegment Read(string pipelineZip)
    {
        using var zip = ZipFile.OpenRead(pipelineZip);
        using var manifest = JsonDocument.Parse(ReadEntry(zip, "manifest.json"));
        var vit = manifest.RootElement.GetProperty("Segments").EnumerateArray()
            .Where(s => s.GetProperty("Kind").GetString() == "vit").ToList();
        if (vit.Count != 1)
            throw new InvalidDataException($"'{pipelineZip}' holds {vit.Count} ViT segments; the bench expects exactly one.");
        using var metadata = JsonDocument.Parse(ReadEntry(zip, vit[0].GetProperty("MetadataEntry").GetString()!));
        var root = metadata.RootElement;
        // Normalisation sits in the scorer's settings (older files kept it at the top level).
        var scorer = root.TryGetProperty("Scorer", out var s) ? s : root;
        float[] Floats(string name) => scorer.GetProperty(name).EnumerateArray().Select(e => e.GetSingle()).ToArray();
        // KeyValues are the label keys in key order, i.e. the order of the Score vector.
        var classes = root.GetProperty("KeyValues").EnumerateArray().Select(e => e.GetString()!).ToList();
        return new SavedVitSegment(Floats("Mean"), Floats("Std"), classes,
            ReadEntry(zip, vit[0].GetProperty("Entry").GetString()!));
    }

    /// <summary>A fresh copy of the model on the CPU, in eval mode (no dropout or drop-path).</summary>
    public VisionTransformer LoadModel()
    {
        using var stream = new MemoryStream(Checkpoint, writable: false);
        var model = VitCheckpoint.Load(stream);
        model.eval();
        return model;
    }

    private static byte[] ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"The pipeline zip has no entry '{name}'.");
        using var source = entry.Open();
        using var buffer = new MemoryStream();
        source.CopyTo(buffer);
        return buffer.ToArray();
    }
}
