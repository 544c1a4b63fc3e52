using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>The transformer's output schema: every input column, then Score and PredictedLabel (hiding same-named inputs).</summary>
internal static class OutputSchema
{
    public static DataViewSchema Build(DataViewSchema input, ScorerSettings settings, LabelKeys keys)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        AddOutputs(builder, settings, keys);
        return builder.ToSchema();
    }

    /// <summary>Only the two output columns (for the estimator's schema shape).</summary>
    public static DataViewSchema OutputsOnly(ScorerSettings settings, LabelKeys keys)
    {
        var builder = new DataViewSchema.Builder();
        AddOutputs(builder, settings, keys);
        return builder.ToSchema();
    }

    private static void AddOutputs(DataViewSchema.Builder builder, ScorerSettings settings, LabelKeys keys)
    {
        var score = new DataViewSchema.Annotations.Builder();
        keys.AddSlotNames(score);
        AddKind(score, "Score");
        builder.AddColumn(settings.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, keys.Count), score.ToAnnotations());

        var predicted = new DataViewSchema.Annotations.Builder();
        predicted.Add(keys.KeyValueAnnotations(), _ => true);
        AddKind(predicted, "PredictedLabel");
        builder.AddColumn(settings.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), keys.Count), predicted.ToAnnotations());
    }

    // The annotations ML.NET's own multiclass scorers put on their outputs.
    private static void AddKind(DataViewSchema.Annotations.Builder builder, string valueKind)
    {
        builder.AddPrimitiveValue("ScoreColumnKind", TextDataViewType.Instance, "MulticlassClassification".AsMemory());
        builder.AddPrimitiveValue("ScoreValueKind", TextDataViewType.Instance, valueKind.AsMemory());
    }
}
