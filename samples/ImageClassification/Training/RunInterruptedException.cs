namespace ImageClassification.Training;

/// <summary>A <c>train</c> run stopped before it finished; its output folder was left as it was.</summary>
public sealed class RunInterruptedException(string message, Exception? inner = null) : Exception(message, inner);
