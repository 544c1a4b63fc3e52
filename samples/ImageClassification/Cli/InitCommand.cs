using System.CommandLine;
using ImageClassification.Data;
using ImageClassification.Scaffolding;
using ImageClassification.Training;
using Spectre.Console;

namespace ImageClassification.Cli;

/// <summary>
/// <c>init</c>: writes a Model Builder-shaped project for an image folder (config, training and consumption code,
/// Program.cs, project file) that trains and serves a ViT through the library's public ML.NET API.
/// </summary>
public static class InitCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d")
        {
            Description = "Labelled image folder, one sub-folder per class; a folder with train/ and test/ trains on train/.",
            Required = true,
        };
        var name = new Option<string>("--name", "-n") { Description = "Project and class name (a C# identifier).", Required = true };
        var output = new Option<string?>("--output", "-o") { Description = "Project folder to create (default: ./<name>); must be new or empty." };
        var usePackage = new Option<bool>("--use-package")
        {
            Description = $"Reference the {LibraryReference.PackageId} NuGet package even inside this repository (default there: a project reference).",
        };
        var packageSource = new Option<string?>("--package-source") { Description = "Local folder of packages (from dotnet pack) for the generated nuget.config; implies --use-package." };
        var packageVersion = new Option<string?>("--package-version")
        {
            Description = $"Package version to reference (default: {LibraryReference.LibraryVersion()}); implies --use-package.",
        };
        var model = new ModelOptions();

        var command = new Command("init", "Write a Model Builder-style project (.mbconfig, training and consumption code, csproj) for an image folder.")
        {
            data, name, output, usePackage, packageSource, packageVersion,
        };
        model.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(() =>
        {
            string projectName = parse.GetValue(name)!;
            string folder = parse.GetValue(output) ?? projectName;
            string dataFolder = parse.GetValue(data)!;
            if (!Directory.Exists(dataFolder))
                throw new UsageException($"-d/--data '{Path.GetFullPath(dataFolder)}' does not exist");
            if (DataFolder.HoldsIdx(dataFolder))
                throw new UsageException(
                    $"-d/--data '{Path.GetFullPath(dataFolder)}' holds IDX files; the generated project trains on image folders: " +
                    $"write them with `vit-sample import-fashion-mnist --idx {dataFolder} -o <images>` and pass <images>");
            var (train, test) = Defaults.ResolveSplits(dataFolder, null);
            var settings = model.Apply(parse, new TrainSettings { TrainFolder = train, TestFolder = test, OutputFolder = folder });
            if (TrainOptionsCheck.ModelError(settings) is { } error)
                throw new UsageException(error);
            var library = LibraryReference.Choose(folder, parse.GetValue(usePackage), parse.GetValue(packageSource), parse.GetValue(packageVersion));

            var files = ProjectScaffold.Write(projectName, train, test, folder, settings, library);

            string full = Path.GetFullPath(folder);
            AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(full)}[/]: {Markup.Escape(string.Join(", ", files))}");
            AnsiConsole.MarkupLine($"Library: {Markup.Escape(library.ToString())}");
            AnsiConsole.MarkupLine($"Next: cd {Markup.Escape(full)} && dotnet run -- train && dotnet run -- predict <image>");
        }));
        return command;
    }
}
