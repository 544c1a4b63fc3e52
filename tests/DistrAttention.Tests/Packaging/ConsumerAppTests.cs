namespace DistrAttention.Tests.Packaging;

/// <summary>
/// An application that references only <c>Microsoft.ML.DistrAttention</c> builds and fits a model on the CPU: the
/// library brings its CPU libtorch (TorchSharp-cpu) instead of leaving the application to add it by hand, and creating
/// the trainer readies libtorch so the application's own TorchSharp calls work on Debian 12 too (issue 15).
/// </summary>
public class ConsumerAppTests
{
    [Fact]
    public void AppReferencingOnlyTheLibraryFitsOnTheCpu()
    {
        string repo = TestProcesses.RepositoryRoot();
        string configuration = TestProcesses.Configuration; // the consumer reuses the library these tests were built with
        using var temp = new TempFolder("vit-consumer");
        string folder = temp.Path;
        string library = Path.Combine(repo, "src", "Microsoft.ML.DistrAttention", "Microsoft.ML.DistrAttention.csproj");
        File.WriteAllText(Path.Combine(folder, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{library}" />
              </ItemGroup>
            </Project>
            """);
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Packaging", "ConsumerProgram.cs.txt"), Path.Combine(folder, "Program.cs"));
        string images = Directory.CreateDirectory(Path.Combine(folder, "images")).FullName;

        var build = Run(folder, "build", "-c", configuration, "-p:BuildProjectReferences=false", "-nologo");
        Assert.True(build.ExitCode == 0, "dotnet build of the consumer failed:\n" + build.Output);
        var run = Run(folder, Path.Combine(folder, "bin", configuration, "net10.0", "Consumer.dll"), images);
        Assert.True(run.ExitCode == 0, "the consumer failed:\n" + run.Output);
        Assert.Contains("direct torch: 2", run.Output);
        Assert.Contains("fitted: 3 transformers", run.Output);
    }

    private static (int ExitCode, string Output) Run(string workingDirectory, params string[] arguments) =>
        TestProcesses.RunDotnet(workingDirectory, TimeSpan.FromMinutes(4), arguments);
}
