using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// The label's key type: class count and its key values (the class names), kept so that
/// <c>PredictedLabel</c> carries them and <c>MapKeyToValue</c> works, also after save and load.
/// </summary>
internal sealed class LabelKeys
{
    private const string KeyValuesKind = "KeyValues";

    public LabelKeys(int count, string? valueType, string[]? values)
    {
        Count = count;
        ValueType = valueType;
        Values = values;
    }

    /// <summary>Number of classes (the key count).</summary>
    public int Count { get; }

    /// <summary>Name of the key values' item type (Text, Int32, …), or null when the label has no key values.</summary>
    public string? ValueType { get; }

    /// <summary>Key values as invariant strings, or null.</summary>
    public string[]? Values { get; }

    /// <summary>Reads the label column; throws naming the column when it is missing or not key-typed.</summary>
    public static LabelKeys FromColumn(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new ArgumentException($"Label column '{name}' was not found in the input; expected a key-typed column (use MapValueToKey).", nameof(schema));
        if (column.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw new ArgumentException($"Label column '{name}' has type {column.Type}; expected a key type (UInt32 key, e.g. from MapValueToKey).", nameof(schema));
        if (key.Count < 2 || key.Count > int.MaxValue)
            throw new ArgumentException($"Label column '{name}' has {key.Count} classes; expected at least 2.", nameof(schema));
        var (type, values) = ReadKeyValues(column.Annotations);
        return new LabelKeys((int)key.Count, type, values);
    }

    /// <summary>Annotations for the predicted label (key values) — null when the label had none.</summary>
    public DataViewSchema.Annotations KeyValueAnnotations()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        if (Values is not null && ValueType is not null)
            AddKeyValues(builder);
        return builder.ToAnnotations();
    }

    /// <summary>Slot names for the score vector when the key values are text.</summary>
    public void AddSlotNames(DataViewSchema.Annotations.Builder builder)
    {
        if (ValueType != nameof(TextDataViewType) || Values is null) return;
        var names = Values.Select(v => v.AsMemory()).ToArray();
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> dst) => dst = new VBuffer<ReadOnlyMemory<char>>(names.Length, names);
        builder.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, Count), getter);
    }

    private void AddKeyValues(DataViewSchema.Annotations.Builder builder)
    {
        var v = Values!;
        switch (ValueType)
        {
            case nameof(TextDataViewType): Add(builder, TextDataViewType.Instance, v.Select(s => s.AsMemory()).ToArray()); break;
            case nameof(Int32): Add(builder, NumberDataViewType.Int32, v.Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()); break;
            case nameof(Int64): Add(builder, NumberDataViewType.Int64, v.Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray()); break;
            case nameof(UInt32): Add(builder, NumberDataViewType.UInt32, v.Select(s => uint.Parse(s, CultureInfo.InvariantCulture)).ToArray()); break;
            case nameof(UInt64): Add(builder, NumberDataViewType.UInt64, v.Select(s => ulong.Parse(s, CultureInfo.InvariantCulture)).ToArray()); break;
            case nameof(Single): Add(builder, NumberDataViewType.Single, v.Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray()); break;
            case nameof(Double): Add(builder, NumberDataViewType.Double, v.Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray()); break;
            case nameof(Boolean): Add(builder, BooleanDataViewType.Instance, v.Select(bool.Parse).ToArray()); break;
            default: throw new InvalidDataException($"Unsupported label key value type '{ValueType}'.");
        }
    }

    private void Add<T>(DataViewSchema.Annotations.Builder builder, PrimitiveDataViewType type, T[] values)
    {
        ValueGetter<VBuffer<T>> getter = (ref VBuffer<T> dst) => dst = new VBuffer<T>(values.Length, values);
        builder.Add(KeyValuesKind, new VectorDataViewType(type, Count), getter);
    }

    private static (string?, string[]?) ReadKeyValues(DataViewSchema.Annotations annotations)
    {
        var column = annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (column is null || column.Value.Type is not VectorDataViewType vector) return (null, null);
        return vector.ItemType switch
        {
            TextDataViewType => (nameof(TextDataViewType), Read<ReadOnlyMemory<char>>(annotations, m => m.ToString())),
            NumberDataViewType n when n == NumberDataViewType.Int32 => (nameof(Int32), Read<int>(annotations, Invariant)),
            NumberDataViewType n when n == NumberDataViewType.Int64 => (nameof(Int64), Read<long>(annotations, Invariant)),
            NumberDataViewType n when n == NumberDataViewType.UInt32 => (nameof(UInt32), Read<uint>(annotations, Invariant)),
            NumberDataViewType n when n == NumberDataViewType.UInt64 => (nameof(UInt64), Read<ulong>(annotations, Invariant)),
            NumberDataViewType n when n == NumberDataViewType.Single => (nameof(Single), Read<float>(annotations, f => f.ToString("R", CultureInfo.InvariantCulture))),
            NumberDataViewType n when n == NumberDataViewType.Double => (nameof(Double), Read<double>(annotations, f => f.ToString("R", CultureInfo.InvariantCulture))),
            BooleanDataViewType => (nameof(Boolean), Read<bool>(annotations, b => b.ToString())),
            // Other key value types still train and score; PredictedLabel then has no key values.
            _ => (null, null),
        };
    }

    private static string Invariant<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static string[] Read<T>(DataViewSchema.Annotations annotations, Func<T, string> format)
    {
        var buffer = default(VBuffer<T>);
        annotations.GetValue(KeyValuesKind, ref buffer);
        return buffer.DenseValues().Select(format).ToArray();
    }
}
