using System.Text.Json;
using DistrAttention.Tests.Sample;
using ImageClassification.Cli;
using ImageClassification.Scaffolding;

namespace DistrAttention.Tests.Scaffolding;

/// <summary><c>vit-sample init</c>: what it writes, how the project references the library, and its one-line input errors.</summary>
public sealed class InitCommandTests
{
    [Fact]
    public void InsideTheRepositoryTheProjectReferencesTheLibraryProjectAndHoldsTheModelBuilderFiles()
    {
        using var temp = new TempFolder();
        CliTests.CopySubset(temp);
        // out/ is the repository's scratch folder (git-ignored, in no project's folder).
        string parent = Path.Combine(TestProcesses.RepositoryRoot(), "out", "init-test-" + Guid.NewGuid().ToString("N"));
        string project = Path.Combine(parent, "Shirts");
        try
        {
            Assert.Equal(0, VitSampleCli.Run("init", "--data", temp.Combine("data"), "--name", "Shirts", "-o", project,
                "--preset", "tiny", "--image-size", "32", "--patch-size", "8", "-G", "4", "-l", "32", "--precision", "BFloat16", "--epochs", "3"));
            Assert.Equal(["Program.cs", "Shirts.consumption.cs", "Shirts.csproj", "Shirts.mbconfig", "Shirts.training.cs"],
                Directory.GetFiles(project).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            // A project reference to src/Microsoft.ML.DistrAttention, relative to the generated project.
            string csproj = File.ReadAllText(Path.Combine(project, "Shirts.csproj"));
            string include = csproj.Split("<ProjectReference Include=\"")[1].Split('"')[0];
            Assert.True(File.Exists(Path.Combine(project, include)), include);
            Assert.EndsWith(LibraryReference.ProjectInRepository, Path.GetFullPath(Path.Combine(project, include)));
            Assert.DoesNotContain("PackageReference", csproj);

            using var mbconfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(project, "Shirts.mbconfig")));
            var root = mbconfig.RootElement;
            Assert.Equal("ImageClassification", root.GetProperty("Scenario").GetString());
            Assert.Equal(temp.Combine("data", "train"), root.GetProperty("DataSource").GetProperty("FolderPath").GetString());
            Assert.Equal(["Bag", "Sneaker", "Trouser"], root.GetProperty("DataSource").GetProperty("Classes").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal(24, root.GetProperty("DataSource").GetProperty("ImageCount").GetInt32());
            var training = root.GetProperty("TrainingOption");
            Assert.Equal("Tiny", training.GetProperty("Preset").GetString());
            Assert.Equal(4, training.GetProperty("GroupSize").GetInt32());
            Assert.Equal(3, training.GetProperty("Epochs").GetInt32());

            // The training code is the idiomatic pipeline, in order, with the options given to init.
            string code = File.ReadAllText(Path.Combine(project, "Shirts.training.cs"));
            string pipeline = code[code.IndexOf("BuildPipeline(MLContext mlContext)", StringComparison.Ordinal)..];
            int[] order = new[] { "MapValueToKey(", "LoadImages(", "VitImageClassification(", "MapKeyToValue(" }
                .Select(call => pipeline.IndexOf(call, StringComparison.Ordinal)).ToArray();
            Assert.All(order, i => Assert.True(i > 0));
            Assert.Equal(order.Order(), order);
            Assert.Contains("Preset = VitPreset.Tiny,", code);
            Assert.Contains("ImageSize = 32, PatchSize = 8, Channels = 1,", code);
            Assert.Contains("GroupSize = 4, BlockSize = 32,", code);
            Assert.Contains("Precision = ComputePrecision.BFloat16,", code);
            Assert.Contains($"RetrainFolderPath = @\"{temp.Combine("data", "train")}\"", code);
            foreach (var member in new[] { "SaveWithVit(model, data.Schema, modelSavePath)", "BuildPipeline(MLContext mlContext)", "RetrainModel(MLContext mlContext, IDataView trainData)", "TrainAndSave(" })
                Assert.Contains(member, code);
            string consumption = File.ReadAllText(Path.Combine(project, "Shirts.consumption.cs"));
            foreach (var member in new[] { "class ModelInput", "class ModelOutput", "Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine",
                "ModelOutput Predict(ModelInput input)", "LoadWithVit(", "\"Shirts.zip\"" })
                Assert.Contains(member, consumption);
        }
        finally
        {
            if (Directory.Exists(parent)) Directory.Delete(parent, recursive: true);
        }
    }

    [Fact]
    public void UsePackageInsideTheRepositoryReferencesThePackageOfTheLibrarysVersion()
    {
        using var temp = new TempFolder();
        CliTests.CopySubset(temp);
        string parent = Path.Combine(TestProcesses.RepositoryRoot(), "out", "init-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.Equal(0, VitSampleCli.Run("init", "--data", temp.Combine("data"), "--name", "Bags", "-o", parent, "--use-package", "--attention", "exact"));
            string csproj = File.ReadAllText(Path.Combine(parent, "Bags.csproj"));
            Assert.Contains($"<PackageReference Include=\"Microsoft.ML.DistrAttention\" Version=\"{LibraryReference.LibraryVersion()}\" />", csproj);
            Assert.DoesNotContain("ProjectReference", csproj);
            Assert.False(File.Exists(Path.Combine(parent, "nuget.config"))); // no local folder given: the usual sources
            Assert.Matches(@"^\d+\.\d+\.\d+", LibraryReference.LibraryVersion());
            Assert.Contains("Attention = AttentionOptions.Exact,", File.ReadAllText(Path.Combine(parent, "Bags.training.cs")));
        }
        finally
        {
            if (Directory.Exists(parent)) Directory.Delete(parent, recursive: true);
        }
    }

    [Theory]
    [InlineData("name", "--name must be a C# identifier")]
    [InlineData("not-empty", "-o/--output")]
    [InlineData("inside-project", "lies inside the project folder")]
    [InlineData("no-data", "-d/--data")]
    [InlineData("no-source", "--package-source")]
    [InlineData("bad-option", "-G/--group-size must be one of 1, 2, 4, 8, 16 (got 3)")]
    public void BadInputIsOneLineNamingTheFlagAndWritesNothing(string problem, string expected)
    {
        using var temp = new TempFolder();
        CliTests.CopySubset(temp);
        string output = temp.Combine("Project");
        var args = new List<string> { "init", "--data", temp.Combine("data"), "--name", "Good", "--output", output };
        switch (problem)
        {
            case "name": args[4] = "2bad-name"; break;
            case "not-empty": Directory.CreateDirectory(output); File.WriteAllText(Path.Combine(output, "mine.txt"), "keep"); break;
            case "inside-project": File.WriteAllText(temp.Combine("Outer.csproj"), "<Project />"); break;
            case "no-data": args[2] = temp.Combine("missing"); break;
            case "no-source": args.AddRange(["--package-source", temp.Combine("no-feed")]); break;
            case "bad-option": args.AddRange(["-G", "3"]); break;
        }
        var (exitCode, stdout, stderr) = TestProcesses.Run(TestProcesses.Sample(args), TimeSpan.FromMinutes(2));
        Assert.Equal(CommandRunner.InputError, exitCode);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.Equal("", stdout.Trim());
        if (problem == "not-empty")
            Assert.Equal(["mine.txt"], Directory.GetFiles(output).Select(Path.GetFileName));
        else
            Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetDirectories(temp.Path, "Project.partial-*"));
    }
}
