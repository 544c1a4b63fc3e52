namespace DistrAttention.Tests.Packaging;

/// <summary>
/// Packs <c>DistrAttention.Runtime</c>, <c>VitModel</c> and <c>Microsoft.ML.DistrAttention</c> once, from the build these tests run on (<c>--no-build</c>),
/// into a temporary local feed under a version of their own, so that NuGet's global package folder never serves an
/// older copy. The host-only native library (scripts/test.sh builds it) goes in when it exists. Dispose removes the
/// feed and the global-folder copies of that version.
/// </summary>
public sealed class LocalFeedFixture : IDisposable
{
    /// <summary>The three package ids.</summary>
    public const string Library = "Microsoft.ML.DistrAttention", Model = "VitModel", Runtime = "DistrAttention.Runtime";

    /// <summary>Creates the feed; a failing pack throws with its output.</summary>
    public LocalFeedFixture()
    {
        string repo = TestProcesses.RepositoryRoot();
        Version = "0.0.0-test." + Guid.NewGuid().ToString("N")[..12];
        Feed = Directory.CreateTempSubdirectory("vit-feed").FullName;
        string host = Path.Combine(repo, "native", "cuda", "build-host", "libdistr_attention.so");
        NativeLibrary = File.Exists(host) ? host : null;
        foreach (var id in new[] { Runtime, Model, Library })
        {
            string project = Path.Combine("src", id, id + ".csproj");
            var pack = TestProcesses.RunDotnet(repo, TimeSpan.FromMinutes(3), "pack", project, "-c", TestProcesses.Configuration,
                "--no-build", "-nologo", "-o", Feed, "-p:PackageVersion=" + Version, "-p:NuspecOutputPath=" + Path.Combine(Feed, "nuspec"),
                "-p:DistrAttentionNativeLibrary=" + (NativeLibrary ?? "none"));
            if (pack.ExitCode != 0)
                throw new InvalidOperationException($"dotnet pack {project} failed:\n{pack.Output}");
        }
    }

    /// <summary>The folder holding the three .nupkg files (and, in nuspec/, their generated .nuspec files, kept out of src/).</summary>
    public string Feed { get; }

    /// <summary>The version all three packages have.</summary>
    public string Version { get; }

    /// <summary>The native library packed into VitModel, or null when none was built.</summary>
    public string? NativeLibrary { get; }

    /// <summary>The .nupkg of <paramref name="id"/>.</summary>
    public string Package(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    /// <inheritdoc />
    public void Dispose()
    {
        string global = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var id in new[] { Library, Model, Runtime })
            TryDelete(Path.Combine(global, id.ToLowerInvariant(), Version));
        TryDelete(Feed);
    }

    private static void TryDelete(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
    }
}

/// <summary>Tests that share one <see cref="LocalFeedFixture"/> (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class LocalFeedCollection : ICollectionFixture<LocalFeedFixture>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "local package feed";
}
