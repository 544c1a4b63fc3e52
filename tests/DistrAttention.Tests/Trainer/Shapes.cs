using System.Reflection;

namespace DistrAttention.Tests.Trainer;

/// <summary>SchemaShape.Create is internal to ML.NET; tests reach it by reflection to call GetOutputSchema directly.</summary>
internal static class Shapes
{
    public static SchemaShape Of(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;
}
