using System.Text.RegularExpressions;
using ImageClassification.Data;
using ImageClassification.Training;

namespace ImageClassification.Scaffolding;

/// <summary>
/// Writes a Model Builder-shaped project for an image folder: <c>&lt;Name&gt;.mbconfig</c>, <c>&lt;Name&gt;.training.cs</c>
/// (<c>BuildPipeline</c>, <c>RetrainModel</c>, <c>TrainAndSave</c>), <c>&lt;Name&gt;.consumption.cs</c> (<c>ModelInput</c>,
/// <c>ModelOutput</c>, a lazy <c>PredictEngine</c>, <c>Predict</c>), <c>Program.cs</c>, <c>&lt;Name&gt;.csproj</c> and,
/// with a local package folder, <c>nuget.config</c>.
/// </summary>
public static partial class ProjectScaffold
{
    /// <summary>Writes the project into <paramref name="outputFolder"/>, which must not exist or be empty.</summary>
    /// <param name="name">Project and class name: a C# identifier.</param>
    /// <param name="trainFolder">Labelled training images, one sub-folder per class.</param>
    /// <param name="testFolder">Labelled test images (recorded in the config), or null.</param>
    /// <param name="outputFolder">The project folder to create.</param>
    /// <param name="settings">Model, attention and schedule (from the shared <c>train</c>/<c>init</c> options).</param>
    /// <param name="library">How the project references the library.</param>
    /// <returns>The files written, relative to <paramref name="outputFolder"/>.</returns>
    /// <exception cref="Cli.UsageException">The name or the output folder cannot be used; the message names the flag.</exception>
    /// <exception cref="DatasetException">The image folder is missing or has no classes or images.</exception>
    public static IReadOnlyList<string> Write(string name, string trainFolder, string? testFolder, string outputFolder,
        TrainSettings settings, LibraryReference library)
    {
        CheckName(name);
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outputFolder));
        CheckOutputFolder(target);
        var data = ImageFolderDataset.Load(trainFolder, verifyImages: false);

        string modelFile = name + ".zip";
        string ns = name + "App";
        var values = new Dictionary<string, string>
        {
            ["Name"] = name,
            ["Namespace"] = ns,
            ["ModelFile"] = modelFile,
            ["DataFolder"] = data.Root.Replace("\"", "\"\"", StringComparison.Ordinal),
            ["Seed"] = settings.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TrainerOptions"] = TrainerOptionsCode.Write(settings),
            ["LibraryReference"] = library.ToItem(target),
            ["PackageSource"] = library.PackageSource is { } source ? System.Security.SecurityElement.Escape(source) : "",
        };
        var files = new Dictionary<string, string>
        {
            [name + ".training.cs"] = CodeTemplate.Fill(CodeTemplate.Training, values),
            [name + ".consumption.cs"] = CodeTemplate.Fill(CodeTemplate.Consumption, values),
            ["Program.cs"] = CodeTemplate.Fill(CodeTemplate.Program, values),
            [name + ".csproj"] = CodeTemplate.Fill(CodeTemplate.Project, values),
        };
        if (library.PackageSource is not null)
            files["nuget.config"] = CodeTemplate.Fill(CodeTemplate.NuGetConfig, values);
        string mbconfig = name + ".mbconfig";
        var written = new List<string> { mbconfig };
        written.AddRange(files.Keys);
        files[mbconfig] = MbConfig.Create(settings, data.Root, testFolder is null ? null : Path.GetFullPath(testFolder), data.Classes,
            data.Rows.Count, modelFile, written, library).ToJson();

        WriteAll(target, files);
        return written;
    }

    // Everything goes into a sibling folder first, renamed into place at the end: no half-written project.
    private static void WriteAll(string target, IReadOnlyDictionary<string, string> files)
    {
        string staging = target + ".partial-" + Environment.ProcessId;
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        Directory.CreateDirectory(staging);
        try
        {
            foreach (var (file, text) in files)
                File.WriteAllText(Path.Combine(staging, file), text);
            if (Directory.Exists(target))
                Directory.Delete(target); // empty (checked); a folder that gained files since then makes this throw
            Directory.Move(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static void CheckName(string name)
    {
        if (!Identifier().IsMatch(name))
            throw new Cli.UsageException($"--name must be a C# identifier: a letter or _, then letters, digits or _ (got '{name}')");
    }

    private static void CheckOutputFolder(string target)
    {
        if (File.Exists(target))
            throw new Cli.UsageException($"-o/--output '{target}' is a file, not a folder");
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
            throw new Cli.UsageException($"-o/--output '{target}' is not empty; give a new folder (init does not overwrite code)");
        // The generated .cs files would be compiled into an enclosing project (SDK projects include every .cs below them).
        for (var dir = Directory.GetParent(target); dir is not null; dir = dir.Parent)
            if (dir.Exists && dir.EnumerateFiles("*.csproj").FirstOrDefault() is { } enclosing)
                throw new Cli.UsageException(
                    $"-o/--output '{target}' lies inside the project folder of {enclosing.FullName}, which would compile the generated code; choose a folder outside it");
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Identifier();
}
