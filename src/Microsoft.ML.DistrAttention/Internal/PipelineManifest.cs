namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>The <c>manifest.json</c> of a ViT pipeline file: the ordered segments of the pipeline.</summary>
internal sealed record PipelineManifest(string Format, int Version, List<PipelineSegment> Segments)
{
    public const string FormatName = "distrattention-vit-pipeline";
    public const int CurrentVersion = 1;
    public const string EntryName = "manifest.json";
}

/// <summary>One segment: <c>mlnet</c> (a chain saved by <c>mlContext.Model.Save</c>) or <c>vit</c> (our transformer).</summary>
internal sealed record PipelineSegment(string Kind, string Entry, string? MetadataEntry = null)
{
    public const string MlNet = "mlnet";
    public const string Vit = "vit";
}

/// <summary>Everything about a <see cref="VitImageClassificationTransformer"/> besides its checkpoint.</summary>
internal sealed record VitTransformerMetadata(
    ScorerSettings Scorer,
    int ClassCount,
    string? KeyValueType,
    string[]? KeyValues,
    List<EpochMetrics> History,
    int BestEpoch,
    bool StoppedEarly);
