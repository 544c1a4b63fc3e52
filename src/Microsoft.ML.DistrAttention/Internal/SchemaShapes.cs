namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Column lookup on a <see cref="SchemaShape"/> (ML.NET keeps its own internal).</summary>
internal static class SchemaShapes
{
    public static bool TryFind(SchemaShape? shape, string name, out SchemaShape.Column column)
    {
        column = default;
        if (shape is null) return false;
        foreach (var c in shape)
        {
            if (c.Name == name)
            {
                column = c;
                return true;
            }
        }
        return false;
    }
}
