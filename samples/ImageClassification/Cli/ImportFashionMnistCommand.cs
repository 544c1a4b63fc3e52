using System.CommandLine;
using System.Diagnostics;
using ImageClassification.Data;
using Spectre.Console;

namespace ImageClassification.Cli;

/// <summary><c>import-fashion-mnist</c>: IDX files → PNG folders, one sub-folder per class, or → a per-class subset of IDX files.</summary>
public static class ImportFashionMnistCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var idx = new Option<DirectoryInfo>("--idx")
        {
            Description = "Folder with the IDX files (train-images-idx3-ubyte[.gz], …, t10k-labels-idx1-ubyte[.gz]).",
            DefaultValueFactory = _ => new DirectoryInfo(FashionMnistImporter.DebianPackageFolder),
        };
        var output = new Option<DirectoryInfo>("--output", "-o")
        {
            Description = "Output root; train/ and test/ are created under it.",
            Required = true,
        };
        var trainLimit = new Option<int?>("--train-per-class") { Description = "Keep the first N training images of each class (default: all)." };
        var testLimit = new Option<int?>("--test-per-class") { Description = "Keep the first N test images of each class (default: all)." };
        var format = new Option<string>("--format")
        {
            Description = "png: class folders of PNG files; idx: gzip IDX files (train-*, t10k-*) that train and evaluate read directly.",
            DefaultValueFactory = _ => "png",
        };
        format.AcceptOnlyFromAmong("png", "idx");

        var command = new Command("import-fashion-mnist",
            "Convert Fashion-MNIST IDX files (e.g. from the Debian package dataset-fashion-mnist) to PNG folders, or to a per-class subset of IDX files.")
        {
            idx, output, trainLimit, testLimit, format,
        };
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            var watch = Stopwatch.StartNew();
            var counts = FashionMnistImporter.Import(
                parse.GetValue(idx)!.FullName, parse.GetValue(output)!.FullName,
                parse.GetValue(trainLimit), parse.GetValue(testLimit), asIdx: parse.GetValue(format) == "idx");
            var table = new Table().AddColumn("Class");
            foreach (var split in counts.Keys)
                table.AddColumn(new TableColumn(split).RightAligned());
            for (int c = 0; c < FashionMnistClasses.Names.Count; c++)
                table.AddRow([FashionMnistClasses.Names[c], .. counts.Values.Select(v => v[c].ToString())]);
            AnsiConsole.Write(table);
            string what = parse.GetValue(format) == "idx" ? "images as IDX files" : "PNG files";
            AnsiConsole.MarkupLine($"Wrote {counts.Values.Sum(v => v.Sum())} {what} to [bold]{Markup.Escape(parse.GetValue(output)!.FullName)}[/] in {watch.Elapsed.TotalSeconds:F1} s.");
        }));
        return command;
    }
}
