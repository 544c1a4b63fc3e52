namespace ImageClassification.Data;

/// <summary>An image folder cannot be used as a data set; the message says which folder or file and why.</summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatasetException(string message, Exception? inner = null) : base(message, inner) { }
}
