using DistrAttention.Tests.Packaging;
using DistrAttention.Tests.Sample;
using ImageClassification.Cli;

namespace DistrAttention.Tests.Scaffolding;

/// <summary>
/// <c>vit-sample init</c> end to end, as a user outside this repository would use it: the generated project restores the
/// packed library from a local feed, builds, trains 1 epoch of a tiny model on a few images, saves, and predicts an
/// image exactly as the library does with the saved model.
/// </summary>
[Collection(LocalFeedCollection.Name)]
public sealed class GeneratedProjectTests(LocalFeedFixture feed)
{
    [Fact]
    public void TheGeneratedProjectBuildsFromTheLocalFeedTrainsAndPredictsLikeTheLibrary()
    {
        using var temp = new TempFolder();
        var (_, test) = CliTests.CopySubset(temp);
        string project = temp.Combine("Clothes");
        Assert.Equal(0, VitSampleCli.Run("init", "--data", temp.Combine("data"), "--name", "Clothes", "--output", project,
            "--package-source", feed.Feed, "--package-version", feed.Version,
            "--epochs", "1", "--batch-size", "8", "--image-size", "16", "--patch-size", "4", "--device", "cpu"));
        string csproj = File.ReadAllText(Path.Combine(project, "Clothes.csproj"));
        Assert.Contains($"<PackageReference Include=\"Microsoft.ML.DistrAttention\" Version=\"{feed.Version}\" />", csproj);
        Assert.DoesNotContain("ProjectReference", csproj);

        var build = TestProcesses.RunDotnet(project, TimeSpan.FromMinutes(5), "build", "-c", "Release", "-nologo");
        Assert.True(build.ExitCode == 0, "dotnet build of the generated project failed:\n" + build.Output);
        string bin = Path.Combine(project, "bin", "Release", "net10.0");
        // The package's targets put the native library beside the app, where the library looks for it.
        Assert.Equal(feed.NativeLibrary is not null, File.Exists(Path.Combine(bin, "libdistr_attention.so")));

        string app = Path.Combine(bin, "Clothes.dll");
        var train = TestProcesses.RunDotnet(project, TimeSpan.FromMinutes(4), app, "train");
        Assert.True(train.ExitCode == 0, "Clothes train failed:\n" + train.Output);
        Assert.Contains("epoch 1/1", train.Output);
        string model = Path.Combine(project, "Clothes.zip");
        Assert.True(File.Exists(model), train.Output);

        string image = Path.Combine(test, "Sneaker", Directory.GetFiles(Path.Combine(test, "Sneaker")).Select(Path.GetFileName).Order(StringComparer.Ordinal).First()!);
        var predict = TestProcesses.RunDotnet(project, TimeSpan.FromMinutes(2), app, "predict", image);
        Assert.True(predict.ExitCode == 0, "Clothes predict failed:\n" + predict.Output);
        PrintedPrediction.AssertEqualsLibrary(predict.Output, image, model);
    }
}
