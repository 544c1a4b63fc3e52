using DistrAttention.Vit.Model;
using DistrAttention.Runtime;
using Microsoft.ML.DistrAttention.Internal;
using TorchSharp;

namespace Microsoft.ML.DistrAttention;

/// <summary>
/// Trains or fine-tunes a Vision Transformer whose attention is exact or DistrAttention, on TorchSharp.
/// Input: a key-typed label and an image column (<c>MLImage</c> or encoded image bytes); images are resized to the
/// model's input size and converted to its channels inside the trainer. Output: a <see cref="VitImageClassificationTransformer"/>.
/// Create it with <c>mlContext.MulticlassClassification.Trainers.VitImageClassification(...)</c>.
/// </summary>
public sealed partial class VitImageClassificationTrainer : IEstimator<VitImageClassificationTransformer>
{
    private readonly Options options;

    /// <summary>Creates a trainer; the options are copied and checked now.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the exception names it.</exception>
    public VitImageClassificationTrainer(Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        OptionsValidator.Validate(options);
        this.options = options.Clone();
        // Loads libtorch (and, on Debian 12, the libstdc++ shim TorchSharp needs) now, so that the application's own
        // TorchSharp calls work from here on, not only after Fit.
        TorchRuntime.EnsureInitialized();
    }

    /// <summary>Trains on <paramref name="input"/> (cached in memory as bytes at the model's input size).</summary>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, the training or validation data is
    /// empty (the message says so), or <c>InitialModel</c> holds no ViT or several.</exception>
    /// <exception cref="InvalidDataException">An image is empty, truncated or cannot be decoded or loaded; the message names
    /// the column, the row and, where the input has a path column, the file (see <see cref="Options.ImageColumnName"/>).</exception>
    public VitImageClassificationTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = options;
        // Before the label check: MapValueToKey fitted on empty data gives a key of one class, a misleading error.
        EmptyData.ThrowIfEmpty(input, "training", nameof(input));
        var keys = LabelKeys.FromColumn(input.Schema, o.LabelColumnName);
        ImageColumn.Find(input.Schema, o.ImageColumnName);
        if (o.ValidationSet is { } validationSet)
        {
            EmptyData.ThrowIfEmpty(validationSet, "validation", nameof(o.ValidationSet));
            var validationKeys = LabelKeys.FromColumn(validationSet.Schema, o.LabelColumnName);
            if (validationKeys.Count != keys.Count)
                throw new ArgumentException(
                    $"ValidationSet: label column '{o.LabelColumnName}' has {validationKeys.Count} classes, the training data {keys.Count}; map both with the same MapValueToKey transformer.", nameof(o.ValidationSet));
            ImageColumn.Find(validationSet.Schema, o.ImageColumnName);
        }

        TorchRuntime.EnsureInitialized();
        using var distributed = DistributedTraining.Resolve(o); // null: one process
        var device = distributed?.Device ?? TorchRuntime.Resolve(o.Device);
        if (device.type == DeviceType.CPU)
            torch.set_num_threads(o.NumberOfThreads ?? Environment.ProcessorCount);

        var model = ModelFactory.Create(o, keys.Count);
        try
        {
            var config = model.Config;
            var preprocessor = new ImagePreprocessor(config.ImageSize, config.Channels);
            using var train = LabeledImages.Read(input, "training", o.ImageColumnName, o.LabelColumnName, preprocessor);
            using var validation = o.ValidationSet is null ? null
                : LabeledImages.Read(o.ValidationSet, "validation", o.ImageColumnName, o.LabelColumnName, preprocessor);
            float[] mean = o.NormalizationMean ?? Enumerable.Repeat(0.5f, config.Channels).ToArray();
            float[] std = o.NormalizationStd ?? Enumerable.Repeat(0.5f, config.Channels).ToArray();

            model.to(device);
            model.Precision = o.Precision ?? (device.type == DeviceType.CUDA ? ComputePrecision.BFloat16 : ComputePrecision.Float32);
            TrainingHistory history;
            using (TorchRuntime.UseTf32(device))
                history = new TrainingLoop(o, model, device, mean, std, distributed?.Connect()).Run(train, validation);
            var settings = new ScorerSettings(o.LabelColumnName, o.ImageColumnName, o.ScoreColumnName,
                o.PredictedLabelColumnName, mean, std, o.BatchSize, o.Device, model.Precision);
            return new VitImageClassificationTransformer(model, device, settings, keys, history);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Checks the input's label and image columns and adds <c>Score</c> and <c>PredictedLabel</c>.</summary>
    /// <exception cref="ArgumentException">The label is missing or not a key, or the image column is missing or unsupported.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = options;
        if (!SchemaShapes.TryFind(inputSchema, o.LabelColumnName, out var label))
            throw new ArgumentException($"Label column '{o.LabelColumnName}' was not found in the input; expected a key-typed column (use MapValueToKey).", nameof(inputSchema));
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
            throw new ArgumentException($"Label column '{o.LabelColumnName}' has type {label.ItemType} ({label.Kind}); expected a scalar key type (use MapValueToKey).", nameof(inputSchema));
        ImageColumn.Check(inputSchema, o.ImageColumnName);

        // ML.NET keeps SchemaShape's constructors internal; its own estimators derive the two columns from the label:
        // a float vector of one slot per key (with the key values as slot names) and a copy of the key column.
        var ml = new MLContext();
        var withScore = ml.Transforms.Conversion.MapKeyToVector(o.ScoreColumnName, o.LabelColumnName).GetOutputSchema(inputSchema);
        return ml.Transforms.CopyColumns(o.PredictedLabelColumnName, o.LabelColumnName).GetOutputSchema(withScore);
    }
}
