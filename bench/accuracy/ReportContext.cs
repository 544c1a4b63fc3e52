namespace DistrAttention.Bench.Accuracy;

/// <summary>Where the runs came from, for the record's header.</summary>
/// <param name="Machine">GPU name, e.g. H200.</param>
/// <param name="Commit">Commit the runs were made at.</param>
/// <param name="Date">UTC date of the runs.</param>
/// <param name="Command">The device command that made the runs.</param>
/// <param name="ReportCommand">The command that made this record.</param>
public sealed record ReportContext(string Machine, string Commit, string Date, string Command, string ReportCommand);
