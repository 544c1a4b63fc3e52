using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// The column that names each row's image file, used only in error messages and to check files for truncation:
/// the one text column whose name contains "path" (e.g. <c>ImagePath</c>, the input of <c>LoadImages</c> or
/// <c>LoadRawImageBytes</c>). None when there is no such column or more than one.
/// </summary>
internal static class ImagePathColumn
{
    /// <summary>The path column of <paramref name="schema"/>, or null.</summary>
    public static DataViewSchema.Column? Find(DataViewSchema schema, DataViewSchema.Column image)
    {
        var candidates = schema.Where(c => !c.IsHidden && c.Index != image.Index && c.Type is TextDataViewType
            && c.Name.Contains("path", StringComparison.OrdinalIgnoreCase)).ToList();
        return candidates.Count == 1 ? candidates[0] : null;
    }

    /// <summary>The columns a cursor reading images needs: <paramref name="columns"/> plus the path column, if any.</summary>
    public static DataViewSchema.Column[] With(DataViewSchema schema, DataViewSchema.Column image, params DataViewSchema.Column[] columns) =>
        Find(schema, image) is { } path && !columns.Any(c => c.Index == path.Index) ? [.. columns, path] : columns;

    /// <summary>A getter of the current row's path, or null when the row has no active path column.</summary>
    public static Func<string?>? CreateGetter(DataViewRow row, DataViewSchema.Column image)
    {
        if (Find(row.Schema, image) is not { } path || !row.IsColumnActive(path))
            return null;
        var getter = row.GetGetter<ReadOnlyMemory<char>>(path);
        var value = default(ReadOnlyMemory<char>);
        return () =>
        {
            getter(ref value);
            return value.IsEmpty ? null : value.ToString();
        };
    }
}
