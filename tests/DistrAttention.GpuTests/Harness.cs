using System.Diagnostics;

namespace DistrAttention.GpuTests;

/// <summary>A minimal assertion harness: each check prints PASS/FAIL with its detail; the run ends with "N passed, N failed".</summary>
internal sealed class Harness
{
    private readonly TextWriter log;

    public Harness(TextWriter log) => this.log = log;

    public int Passed { get; private set; }
    public int Failed { get; private set; }

    /// <summary>Runs one check: null or "ok: detail" passes; any other text, or an exception, fails.</summary>
    public void Check(string name, Func<string?> body)
    {
        var clock = Stopwatch.StartNew();
        string? failure;
        string detail = "";
        try
        {
            string? result = body();
            failure = result is null || result.StartsWith("ok", StringComparison.Ordinal) ? null : result;
            detail = result ?? "";
        }
        catch (Exception e)
        {
            failure = $"{e.GetType().Name}: {e.Message}";
        }
        if (failure is null) Passed++; else Failed++;
        Write($"{(failure is null ? "PASS" : "FAIL")} {name} ({clock.ElapsedMilliseconds} ms){(failure ?? detail) switch { "" => "", var s => " — " + s }}");
    }

    public void Write(string line)
    {
        Console.WriteLine(line);
        log.WriteLine(line);
        log.Flush();
    }

    public string Summary => $"{Passed} passed, {Failed} failed";
}
