using ScottPlot;

namespace ImageClassification.Reports;

/// <summary>Draws a confusion matrix as a PNG heat map: true class down, predicted class across, counts in the cells.</summary>
public static class ConfusionMatrixPlot
{
    /// <summary>Writes the heat map to <paramref name="path"/>.</summary>
    /// <param name="path">PNG file to write.</param>
    /// <param name="classes">Class names, in the order of the matrix rows and columns.</param>
    /// <param name="counts">counts[t][p]: images of true class t predicted as p.</param>
    /// <param name="title">Plot title.</param>
    public static void Save(string path, IReadOnlyList<string> classes, IReadOnlyList<IReadOnlyList<int>> counts, string title = "Confusion matrix")
    {
        int n = classes.Count;
        if (n == 0)
            throw new ArgumentException("At least one class is needed.", nameof(classes));
        if (counts.Count != n || counts.Any(r => r.Count != n))
            throw new ArgumentException($"The matrix must be {n}×{n} to match the class names.", nameof(counts));

        // Colour by the row-normalised rate so that classes with fewer images are not washed out.
        var rates = new double[n, n];
        for (int t = 0; t < n; t++)
        {
            double total = Math.Max(1, counts[t].Sum());
            for (int p = 0; p < n; p++)
                rates[t, p] = counts[t][p] / total;
        }

        // Cells are drawn as rectangles (not a Heatmap plottable) so their placement is exact:
        // cell (t, p) is centred on x = p, y = n − 1 − t, i.e. the first true class is the top row.
        var plot = new Plot();
        var colors = new WhiteToBlue();
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
            {
                double y = n - 1 - t;
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = colors.GetColor(rates[t, p]);
                cell.LineColor = Colors.LightGray;
                cell.LineWidth = 0.5f;

                var text = plot.Add.Text(counts[t][p].ToString(), p, y);
                text.LabelAlignment = Alignment.MiddleCenter;
                text.LabelFontSize = n <= 12 ? 13 : 9;
                text.LabelFontColor = rates[t, p] > 0.5 ? Colors.White : Colors.Black;
            }

        double[] positions = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, classes.ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Left.SetTicks(positions.Reverse().ToArray(), classes.ToArray());
        plot.Axes.Bottom.MinimumSize = 110; // room for the rotated class names
        plot.Axes.Right.MinimumSize = 60;
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        plot.Title(title);
        plot.XLabel("Predicted class");
        plot.YLabel("True class");
        int side = Math.Max(600, 60 * n + 250);
        plot.SavePng(path, side + 100, side);
    }
}
