using System.Text.RegularExpressions;

namespace ImageClassification.Scaffolding;

/// <summary>
/// The text templates of the generated project (embedded resources <c>Scaffolding/Templates/*.txt</c>) with
/// <c>__Key__</c> placeholders.
/// </summary>
public static partial class CodeTemplate
{
    /// <summary>Template file names.</summary>
    public const string Training = "Model.training.cs.txt", Consumption = "Model.consumption.cs.txt", Program = "Program.cs.txt",
        Project = "Model.csproj.txt", NuGetConfig = "nuget.config.txt";

    /// <summary>The template <paramref name="name"/> with every placeholder replaced by its value.</summary>
    /// <exception cref="InvalidOperationException">A placeholder has no value (a bug in the template or the caller).</exception>
    public static string Fill(string name, IReadOnlyDictionary<string, string> values)
    {
        string text = Read(name);
        foreach (var (key, value) in values)
            text = text.Replace("__" + key + "__", value, StringComparison.Ordinal);
        var left = Placeholder().Match(text);
        if (left.Success)
            throw new InvalidOperationException($"Template {name}: placeholder {left.Value} has no value.");
        return text;
    }

    private static string Read(string name)
    {
        var assembly = typeof(CodeTemplate).Assembly;
        string resource = assembly.GetManifestResourceNames().SingleOrDefault(r => r.EndsWith("." + name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"Template {name} is not embedded in {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex("__[A-Z][A-Za-z]*__")]
    private static partial Regex Placeholder();
}
