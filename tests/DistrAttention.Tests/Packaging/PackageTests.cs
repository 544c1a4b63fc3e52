using System.IO.Compression;
using System.Xml.Linq;

namespace DistrAttention.Tests.Packaging;

/// <summary><c>dotnet pack</c> of the three libraries: dependencies, shared metadata, documentation and the native library.</summary>
[Collection(LocalFeedCollection.Name)]
public sealed class PackageTests(LocalFeedFixture feed)
{
    [Fact]
    public void TheLibraryPackageDependsOnVitModelMlNetAndTheCpuLibtorch()
    {
        var (metadata, files) = Read(feed.Package(LocalFeedFixture.Library));
        var dependencies = Dependencies(metadata);
        Assert.Equal(feed.Version, dependencies[LocalFeedFixture.Model]);
        Assert.Equal("5.0.1", dependencies["Microsoft.ML"]);
        Assert.Equal("5.0.1", dependencies["Microsoft.ML.ImageAnalytics"]);
        Assert.Equal("0.107.0", dependencies["TorchSharp-cpu"]); // DistrAttentionGpuBundle=false: the default
        Assert.Equal(4, dependencies.Count);
        Assert.Contains("lib/net10.0/Microsoft.ML.DistrAttention.dll", files);
        Assert.Contains("lib/net10.0/Microsoft.ML.DistrAttention.xml", files);
        AssertSharedMetadata(metadata);
    }

    [Fact]
    public void TheModelPackageCarriesTheNativeLibraryAndTheTargetsThatPlaceIt()
    {
        var (metadata, files) = Read(feed.Package(LocalFeedFixture.Model));
        var dependencies = Dependencies(metadata);
        Assert.Equal("0.107.0", dependencies["TorchSharp"]);
        Assert.Equal(feed.Version, dependencies[LocalFeedFixture.Runtime]);
        Assert.Equal(2, dependencies.Count);
        Assert.Contains("lib/net10.0/VitModel.dll", files);
        Assert.Contains("lib/net10.0/VitModel.xml", files);
        AssertSharedMetadata(metadata);
        const string native = "runtimes/linux-x64/native/libdistr_attention.so";
        if (feed.NativeLibrary is null)
        {
            Assert.DoesNotContain(native, files);
            return;
        }
        Assert.Contains(native, files);
        Assert.Contains("build/VitModel.targets", files);
        Assert.Contains("buildTransitive/VitModel.targets", files);
        using var zip = ZipFile.OpenRead(feed.Package(LocalFeedFixture.Model));
        Assert.Equal(new FileInfo(feed.NativeLibrary).Length, zip.GetEntry(native)!.Length);
    }

    [Fact]
    public void TheRuntimePackageHoldsTheLoaderAndDependsOnlyOnTorchSharp()
    {
        var (metadata, files) = Read(feed.Package(LocalFeedFixture.Runtime));
        Assert.Equal("0.107.0", Assert.Single(Dependencies(metadata), d => d.Key == "TorchSharp").Value);
        Assert.Contains("lib/net10.0/DistrAttention.Runtime.dll", files);
        Assert.Contains("lib/net10.0/DistrAttention.Runtime.xml", files);
        Assert.DoesNotContain(files, f => f.StartsWith("runtimes/", StringComparison.Ordinal));
        AssertSharedMetadata(metadata);
    }

    private static void AssertSharedMetadata(XElement metadata)
    {
        Assert.Equal("MIT", Element(metadata, "license").Value);
        Assert.Equal("git", Element(metadata, "repository").Attribute("type")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(Element(metadata, "description").Value));
        Assert.Contains("ml.net", Element(metadata, "tags").Value);
    }

    private static (XElement Metadata, HashSet<string> Files) Read(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        var nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspec.Open();
        var metadata = Element(XDocument.Load(stream).Root!, "metadata");
        return (metadata, zip.Entries.Select(e => e.FullName).ToHashSet());
    }

    private static Dictionary<string, string> Dependencies(XElement metadata) =>
        metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);

    private static XElement Element(XElement parent, string name) =>
        parent.Elements().SingleOrDefault(e => e.Name.LocalName == name) ?? throw new Xunit.Sdk.XunitException($"nuspec has no <{name}>");
}
