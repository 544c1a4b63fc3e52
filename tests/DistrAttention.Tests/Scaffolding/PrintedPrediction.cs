using System.Globalization;
using ImageClassification.Training;

namespace DistrAttention.Tests.Scaffolding;

/// <summary>
/// One image's prediction as the generated project's Program and <c>predict-vit.cs</c> print it (<c>&lt;image&gt;: &lt;label&gt;</c>
/// followed by <c>  &lt;class&gt;: &lt;probability&gt;</c> lines), and the check that it equals the library's own for the same model.
/// </summary>
internal static class PrintedPrediction
{
    /// <summary>The label and class probabilities printed for <paramref name="image"/>.</summary>
    public static (string Label, Dictionary<string, float> Scores) Parse(string output, string image)
    {
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int at = lines.FindIndex(l => l.StartsWith(image + ": ", StringComparison.Ordinal));
        Assert.True(at >= 0, $"no line for {image} in:\n{output}");
        var scores = new Dictionary<string, float>();
        foreach (var line in lines.Skip(at + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)))
        {
            int colon = line.LastIndexOf(':');
            scores.Add(line[..colon].Trim(), float.Parse(line[(colon + 1)..], CultureInfo.InvariantCulture));
        }
        return (lines[at][(image.Length + 2)..].Trim(), scores);
    }

    /// <summary>
    /// Asserts that <paramref name="output"/> shows, for <paramref name="image"/>, the label and probabilities that the
    /// library gives when it loads <paramref name="modelPath"/> (<c>LoadWithVit</c>) and transforms that image itself.
    /// </summary>
    public static void AssertEqualsLibrary(string output, string image, string modelPath)
    {
        var ml = new MLContext(seed: 1);
        var (model, classes) = ModelFile.Load(ml, modelPath, ComputeDevice.Cpu);
        var expected = Predictor.Predict(ml, model, classes, [image], topK: classes.Count).Single();
        (model as IDisposable)?.Dispose();

        var (label, scores) = Parse(output, image);
        Assert.Equal(expected.Label, label);
        Assert.Equal(classes.Order(StringComparer.Ordinal), scores.Keys.Order(StringComparer.Ordinal));
        foreach (var (c, probability) in expected.Top)
            Assert.Equal(probability, scores[c], 1e-5);
        Assert.Equal(1.0, scores.Values.Sum(), 1e-4);
    }
}
