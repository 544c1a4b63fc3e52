namespace DistrAttention.Tests;

/// <summary>A new empty folder under the system's temp folder, deleted with everything in it on dispose.</summary>
/// <param name="prefix">The start of the folder's name, so that a folder left by a killed run tells whose it is.</param>
public sealed class TempFolder(string prefix = "vit-tests-") : IDisposable
{
    /// <summary>The folder's full path.</summary>
    public string Path { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>A path inside the folder.</summary>
    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <inheritdoc />
    public void Dispose()
    {
        // A process a test started may still hold a file open for a moment; the folder is in temp, so do not fail the test.
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
