namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Rejects a data view without rows, before any other check can report a confusing symptom of it.</summary>
internal static class EmptyData
{
    /// <summary>Throws an <see cref="ArgumentException"/> saying that the <paramref name="what"/> data has no rows.</summary>
    public static void ThrowIfEmpty(IDataView data, string what, string parameter)
    {
        if (data.GetRowCount() is { } count && count > 0) return;
        using var cursor = data.GetRowCursor([]);
        if (!cursor.MoveNext())
            throw new ArgumentException($"The {what} data is empty: it has no rows.", parameter);
    }
}
