using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using Microsoft.ML.Data;
using Microsoft.ML.DistrAttention.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.DistrAttention;

/// <summary>
/// A fitted ViT image classifier: adds <c>Score</c> (class probabilities) and <c>PredictedLabel</c> (the label's key
/// type, with its key values) to data with an image column. Works with <c>Transform</c>, <c>Evaluate</c> and
/// <c>PredictionEngine</c>. Save a pipeline holding it with <c>mlContext.Model.SaveWithVit</c>, not <c>Model.Save</c>.
/// Dispose it to free the model's native memory.
/// </summary>
public sealed class VitImageClassificationTransformer : ITransformer, IDisposable
{
    private readonly VisionTransformer model;
    private readonly Device device;
    private bool disposed;

    internal VitImageClassificationTransformer(VisionTransformer model, Device device, ScorerSettings settings, LabelKeys keys, TrainingHistory history)
    {
        this.model = model;
        this.device = device;
        Settings = settings;
        Keys = keys;
        History = history;
        Preprocessor = new ImagePreprocessor(model.Config.ImageSize, model.Config.Channels);
        Scorer = new VitScorer(model, device, settings.Mean, settings.Std);
    }

    /// <summary>The model's architecture (class count included).</summary>
    public VitConfig Config => model.Config;

    /// <summary>Per-epoch training metrics (empty for a model loaded without training).</summary>
    public TrainingHistory History { get; }

    /// <summary>The image column the transformer reads.</summary>
    public string ImageColumnName => Settings.ImageColumnName;

    /// <summary>The output column of class probabilities.</summary>
    public string ScoreColumnName => Settings.ScoreColumnName;

    /// <summary>The output column of the predicted class.</summary>
    public string PredictedLabelColumnName => Settings.PredictedLabelColumnName;

    /// <summary>
    /// The compute precision of scoring (autocast-like, see <see cref="ComputePrecision"/>): the one the model was
    /// trained with unless changed here, e.g. to score a bfloat16-trained model in float32. Saved with the model.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined precision.</exception>
    public ComputePrecision Precision
    {
        get => model.Precision;
        set
        {
            model.Precision = value;
            Settings = Settings with { Precision = value };
        }
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => true;

    internal VisionTransformer Model => model;
    internal ScorerSettings Settings { get; private set; }
    internal LabelKeys Keys { get; }
    internal ImagePreprocessor Preprocessor { get; }
    internal VitScorer Scorer { get; }

    /// <summary>
    /// A new transformer with a deep copy of this model's weights whose attention is <paramref name="options"/>, for
    /// evaluating another attention (e.g. DistrAttention on an Exact-trained model) without training. Keys, column
    /// names, normalisation, precision, device and history are the same. This transformer is not changed; dispose the
    /// new one separately.
    /// </summary>
    /// <param name="options">The attention of every block.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options do not suit the model (the message names <c>Attention.GroupSize</c> or <c>Attention.BlockSize</c>).</exception>
    public VitImageClassificationTransformer WithAttention(AttentionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(disposed, this);
        OptionsValidator.ValidateAttention(options, model.Config.HeadDim);
        var copy = new VisionTransformer(model.Config);
        try
        {
            copy.to(device);
            ModelWeights.Copy(model, copy);
            copy.Precision = model.Precision;
            copy.SetAttention(options);
            return new VitImageClassificationTransformer(copy, device, Settings, Keys, History);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The image column is missing or of an unsupported type.</exception>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ImageColumn.Find(inputSchema, Settings.ImageColumnName);
        return OutputSchema.Build(inputSchema, Settings, Keys);
    }

    /// <summary>Scores <paramref name="input"/> lazily, in batches, when the result is read.</summary>
    /// <remarks>Reading the result throws <see cref="InvalidDataException"/> for an empty, truncated or undecodable image,
    /// naming the row and, where known, the file (see <see cref="VitImageClassificationTrainer.Options.ImageColumnName"/>).</remarks>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ObjectDisposedException.ThrowIf(disposed, this);
        return new ScoredDataView(this, input);
    }

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ObjectDisposedException.ThrowIf(disposed, this);
        return new RowMapper(this, inputSchema);
    }

    /// <summary>Not supported: ML.NET's model format cannot hold external transformers.</summary>
    /// <exception cref="NotSupportedException">Always; use <c>mlContext.Model.SaveWithVit</c> / <c>LoadWithVit</c>.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx) => throw new NotSupportedException(
        "A ViT image classifier cannot be saved with mlContext.Model.Save (ML.NET cannot load external transformers). " +
        "Use mlContext.Model.SaveWithVit(model, inputSchema, path) and mlContext.Model.LoadWithVit(path, out inputSchema).");

    /// <summary>Frees the model's native memory.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        model.Dispose();
    }
}
