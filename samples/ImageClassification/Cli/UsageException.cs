namespace ImageClassification.Cli;

/// <summary>A command-line option has a value the command cannot use; the message names the flag.</summary>
public sealed class UsageException(string message) : Exception(message);
