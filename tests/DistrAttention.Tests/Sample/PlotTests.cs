using ImageClassification.Reports;

namespace DistrAttention.Tests.Sample;

public sealed class PlotTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A valid PNG of the expected kind: signature, IHDR size, and bigger than a blank image would be.</summary>
    private static void AssertPng(string path, int minWidth, int minHeight)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 10_000, $"{path} is only {bytes.Length} bytes; the plot is probably empty.");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16));
        int height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20));
        Assert.True(width >= minWidth && height >= minHeight, $"{width}×{height}");
    }

    [Fact]
    public void ConfusionMatrixIsAPng()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("cm.png");
        string[] classes = ["cat", "dog", "bird"];
        int[][] counts = [[5, 1, 0], [2, 7, 1], [0, 0, 9]];

        ConfusionMatrixPlot.Save(path, classes, counts);

        AssertPng(path, 600, 600);
    }

    [Fact]
    public void ConfusionMatrixRejectsAMatrixOfTheWrongSize()
    {
        using var temp = new TempFolder();
        int[][] counts = [[1, 0], [0, 1]];
        Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Save(temp.Combine("cm.png"), ["a", "b", "c"], counts));
    }

    [Fact]
    public void TrainingCurveIsAPng()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("curve.png");
        var epochs = Enumerable.Range(1, 5)
            .Select(e => new EpochPoint(e, 2.0 / e, 1 - 0.5 / e, 2.2 / e, 1 - 0.6 / e, 1.5))
            .ToList();

        TrainingCurvePlot.Save(path, epochs);

        AssertPng(path, 800, 500);
    }

    [Fact]
    public void FontsArePresentOnTheTestHost()
    {
        // Without fonts ScottPlot silently draws no text; CI must install fonts-dejavu-core.
        Assert.True(FontCheck.HasFonts(), FontCheck.Warning);
    }
}
