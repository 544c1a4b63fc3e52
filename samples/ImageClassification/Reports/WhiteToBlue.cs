using ScottPlot;

namespace ImageClassification.Reports;

/// <summary>A colour map from white (0) to dark blue (1), for heat maps where 0 should look empty.</summary>
public sealed class WhiteToBlue : IColormap
{
    private static readonly Color Light = new(247, 251, 255);
    private static readonly Color Dark = new(8, 48, 107);

    /// <inheritdoc />
    public string Name => "White to blue";

    /// <inheritdoc />
    public Color GetColor(double normalizedIntensity)
    {
        double t = double.IsNaN(normalizedIntensity) ? 0 : Math.Clamp(normalizedIntensity, 0, 1);
        return new Color(Lerp(Light.R, Dark.R, t), Lerp(Light.G, Dark.G, t), Lerp(Light.B, Dark.B, t));
    }

    private static byte Lerp(byte a, byte b, double t) => (byte)Math.Round(a + (b - a) * t);
}
