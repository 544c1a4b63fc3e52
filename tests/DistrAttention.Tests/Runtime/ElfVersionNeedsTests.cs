namespace DistrAttention.Tests.Runtime;

public class ElfVersionNeedsTests
{
    [Fact]
    public void TorchSharpLibraryRequiresGlibcxx332OnlyForOneStrictEntry()
    {
        byte[] image = File.ReadAllBytes(NativeLibraryFiles.LibTorchSharp());
        var requirements = ElfVersionNeeds.Read(image);

        var marker = requirements.Where(r => r.Version == LibStdCxxCompat.RequiredVersion).ToList();
        Assert.Single(marker);
        Assert.Equal("libstdc++.so.6", marker[0].File);
        Assert.False(marker[0].Weak);
        Assert.Contains(requirements, r => r.Version == "GLIBC_2.2.5");
    }

    [Fact]
    public void MarkWeakChangesOnlyTheNamedVersion()
    {
        byte[] image = File.ReadAllBytes(NativeLibraryFiles.LibTorchSharp());
        var before = ElfVersionNeeds.Read(image);

        int changed = ElfVersionNeeds.MarkWeak(image, LibStdCxxCompat.RequiredVersion);

        Assert.Equal(1, changed);
        var after = ElfVersionNeeds.Read(image);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            bool isMarker = before[i].Version == LibStdCxxCompat.RequiredVersion;
            Assert.Equal(isMarker || before[i].Weak, after[i].Weak);
            Assert.Equal(before[i].Version, after[i].Version);
        }
        Assert.Equal(0, ElfVersionNeeds.MarkWeak(image, LibStdCxxCompat.RequiredVersion));
    }

    [Fact]
    public void NonElfAndTruncatedInputAreRejected()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(new byte[100]));
        byte[] image = File.ReadAllBytes(NativeLibraryFiles.LibTorchSharp());
        Assert.Throws<InvalidDataException>(() => ElfVersionNeeds.Read(image.AsSpan(0, 4096)));
    }

    [Fact]
    public void PrepareLoadableWritesAPatchedCopyAndLeavesTheOriginal()
    {
        string original = NativeLibraryFiles.LibTorchSharp();
        byte[] originalBytes = File.ReadAllBytes(original);
        string cache = Path.Combine(Path.GetTempPath(), "da-compat-" + Guid.NewGuid().ToString("N"));
        try
        {
            string copy = LibStdCxxCompat.PrepareLoadable(original, cache);

            Assert.NotEqual(original, copy);
            Assert.StartsWith(cache, copy);
            Assert.Equal(originalBytes, File.ReadAllBytes(original));
            var patched = ElfVersionNeeds.Read(File.ReadAllBytes(copy));
            Assert.All(patched.Where(r => r.Version == LibStdCxxCompat.RequiredVersion), r => Assert.True(r.Weak));
            Assert.Equal(copy, LibStdCxxCompat.PrepareLoadable(original, cache));
            Assert.Equal(copy, LibStdCxxCompat.PrepareLoadable(copy, cache)); // already loadable: returned as is
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    [FactWhen(Needs.SystemLibStdCxx)] // elsewhere: not a glibc x86-64 layout we know, nothing to compare with
    public void HostDetectionAgreesWithTheSystemLibrary()
    {
        string system = Preconditions.SystemLibStdCxxPath!;
        bool defined = ElfVersionNeedsTestsHelpers.DefinesVersion(File.ReadAllBytes(system), LibStdCxxCompat.RequiredVersion);
        Assert.Equal(defined, LibStdCxxCompat.HostHasRequiredVersion());
    }
}

internal static class ElfVersionNeedsTestsHelpers
{
    /// <summary>Whether the version name appears among the library's strings (a version definition).</summary>
    public static bool DefinesVersion(byte[] library, string version) =>
        library.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(version + "\0")) >= 0;
}
