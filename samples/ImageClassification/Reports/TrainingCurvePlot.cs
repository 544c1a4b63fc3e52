using ScottPlot;

namespace ImageClassification.Reports;

/// <summary>Draws training curves as a PNG: training loss on the left axis, training and validation accuracy on the right.</summary>
public static class TrainingCurvePlot
{
    /// <summary>Writes the curves to <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyList<EpochPoint> epochs, string title = "Training")
    {
        if (epochs.Count == 0)
            throw new ArgumentException("No epochs to plot.", nameof(epochs));

        var plot = new Plot();
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();

        var loss = plot.Add.Scatter(x, epochs.Select(e => e.TrainLoss).ToArray());
        loss.LegendText = "train loss";
        loss.Color = Colors.Crimson;
        loss.LineWidth = 2;

        var trainAcc = plot.Add.Scatter(x, epochs.Select(e => 100 * e.TrainAccuracy).ToArray());
        trainAcc.LegendText = "train accuracy (%)";
        trainAcc.Color = Colors.SteelBlue;
        trainAcc.LineWidth = 2;
        trainAcc.Axes.YAxis = plot.Axes.Right;

        var validation = epochs.Where(e => e.ValidationAccuracy is not null).ToList();
        if (validation.Count > 0)
        {
            var valAcc = plot.Add.Scatter(
                validation.Select(e => (double)e.Epoch).ToArray(),
                validation.Select(e => 100 * e.ValidationAccuracy!.Value).ToArray());
            valAcc.LegendText = "validation accuracy (%)";
            valAcc.Color = Colors.SeaGreen;
            valAcc.LineWidth = 2;
            valAcc.LinePattern = LinePattern.Dashed;
            valAcc.Axes.YAxis = plot.Axes.Right;
        }

        plot.Title(title);
        plot.XLabel("Epoch");
        plot.YLabel("Loss");
        plot.Axes.Right.Label.Text = "Accuracy (%)";
        plot.Axes.SetLimitsY(0, 100, plot.Axes.Right);
        plot.Axes.SetLimitsY(0, 1.05 * epochs.Max(e => e.TrainLoss), plot.Axes.Left);
        plot.Axes.SetLimitsX(0.5, epochs.Count + 0.5);
        if (epochs.Count <= 30) // whole epochs only
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.ShowLegend(Alignment.MiddleRight);
        plot.SavePng(path, 900, 560);
    }
}
