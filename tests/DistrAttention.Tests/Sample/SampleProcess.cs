using System.Diagnostics;

namespace DistrAttention.Tests.Sample;

/// <summary>How the tests start <c>vit-sample</c> (built beside them) as a child process with the test run's dependency manifest.</summary>
internal static class SampleProcess
{
    /// <summary>Start information with redirected output and the given arguments.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments)
    {
        string folder = AppContext.BaseDirectory;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var argument in new[] { "exec", "--runtimeconfig", Path.Combine(folder, "vit-sample.runtimeconfig.json"),
                     "--depsfile", Path.Combine(folder, "DistrAttention.Tests.deps.json"), Path.Combine(folder, "vit-sample.dll") })
            start.ArgumentList.Add(argument);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        return start;
    }
}
