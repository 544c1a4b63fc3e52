using System.Reflection;
using System.Security;

namespace ImageClassification.Scaffolding;

/// <summary>How a generated project references the library: the project in this repository, or the NuGet package.</summary>
/// <param name="ProjectPath">Full path of <c>Microsoft.ML.DistrAttention.csproj</c> (project reference), or null.</param>
/// <param name="PackageVersion">The package version (package reference), or null.</param>
/// <param name="PackageSource">A local folder of packages the generated <c>nuget.config</c> adds, or null.</param>
public sealed record LibraryReference(string? ProjectPath, string? PackageVersion, string? PackageSource)
{
    /// <summary>The library's package id (and project name).</summary>
    public const string PackageId = "Microsoft.ML.DistrAttention";

    /// <summary>The library project, relative to a repository root.</summary>
    public static readonly string ProjectInRepository = Path.Combine("src", PackageId, PackageId + ".csproj");

    /// <summary>
    /// A project reference when <paramref name="outputFolder"/> lies inside a checkout of this repository and no package
    /// was asked for; otherwise a package reference (version: <paramref name="packageVersion"/>, else the library's own).
    /// </summary>
    public static LibraryReference Choose(string outputFolder, bool usePackage, string? packageSource, string? packageVersion)
    {
        string? source = packageSource is null ? null : Path.GetFullPath(packageSource);
        if (source is not null && !Directory.Exists(source))
            throw new DirectoryNotFoundException($"--package-source '{source}' does not exist; create it with `dotnet pack -o {source}`.");
        if (!usePackage && source is null && packageVersion is null && FindRepositoryProject(outputFolder) is { } project)
            return new LibraryReference(project, null, null);
        return new LibraryReference(null, packageVersion ?? LibraryVersion(), source);
    }

    /// <summary>The MSBuild item that goes into the generated project file in <paramref name="projectFolder"/>.</summary>
    public string ToItem(string projectFolder) => ProjectPath is not null
        ? $"<ProjectReference Include=\"{Escape(Path.GetRelativePath(projectFolder, ProjectPath))}\" />"
        : $"<PackageReference Include=\"{PackageId}\" Version=\"{Escape(PackageVersion!)}\" />";

    /// <summary>How the reference reads in the config file.</summary>
    public override string ToString() => ProjectPath is not null
        ? $"ProjectReference {ProjectPath}"
        : $"PackageReference {PackageId} {PackageVersion}" + (PackageSource is null ? "" : $" from {PackageSource}");

    /// <summary>The version of the library this sample was built with (its informational version without the commit).</summary>
    public static string LibraryVersion()
    {
        var assembly = typeof(Microsoft.ML.VitCatalog).Assembly;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        return version?.Split('+')[0] is { Length: > 0 } v ? v : assembly.GetName().Version!.ToString(3);
    }

    private static string? FindRepositoryProject(string folder)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(folder)); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, ProjectInRepository);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    private static string Escape(string value) => SecurityElement.Escape(value);
}
