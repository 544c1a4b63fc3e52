using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Getters of the two output columns over "the current row's probabilities".</summary>
internal static class OutputGetters
{
    /// <summary>A getter for Score (vector of float) or PredictedLabel (1-based key), or null for another column.</summary>
    public static Delegate? Create(int index, int scoreIndex, int predictedIndex, Func<float[]> current)
    {
        if (index == scoreIndex)
        {
            ValueGetter<VBuffer<float>> score = (ref VBuffer<float> dst) =>
            {
                float[] p = current();
                var editor = VBufferEditor.Create(ref dst, p.Length);
                p.CopyTo(editor.Values);
                dst = editor.Commit();
            };
            return score;
        }
        if (index == predictedIndex)
        {
            ValueGetter<uint> predicted = (ref uint dst) => dst = (uint)VitScorer.ArgMax(current()) + 1;
            return predicted;
        }
        return null;
    }

    /// <summary>Casts a getter to the requested type, with ML.NET's error when the type is wrong.</summary>
    public static ValueGetter<T> Cast<T>(Delegate getter, DataViewSchema.Column column) =>
        getter as ValueGetter<T> ?? throw new InvalidOperationException(
            $"Invalid TValue in GetGetter: '{typeof(T)}' for column '{column.Name}' of type {column.Type}.");
}
