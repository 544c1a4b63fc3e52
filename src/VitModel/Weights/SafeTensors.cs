using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using DistrAttention.Runtime;
using static TorchSharp.torch;

namespace DistrAttention.Vit.Weights;

/// <summary>
/// Minimal safetensors reader/writer: an 8-byte little-endian header length, a JSON header
/// (<c>{"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {...}}</c>), then the raw little-endian data.
/// Supports F32, F16, BF16, F64, I64, I32, U8 and BOOL.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeaderBytes = 100L << 20; // the format's own limit

    /// <summary>Writes tensors (moved to the CPU, made contiguous) and optional metadata to <paramref name="stream"/>.</summary>
    /// <param name="stream">Writable destination.</param>
    /// <param name="tensors">Named tensors; names must be unique and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Optional string metadata.</param>
    /// <exception cref="ArgumentException">A name is repeated or reserved, or a dtype is unsupported.</exception>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();
        using var scope = NewDisposeScope();
        var entries = new List<(string Name, Tensor Data)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name == MetadataKey || !seen.Add(name))
                throw new ArgumentException($"Tensor name '{name}' is reserved or repeated.", nameof(tensors));
            SafeTensorsDType.Name(tensor.dtype);
            entries.Add((name, tensor.detach().cpu().contiguous()));
        }

        using var headerBuffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(headerBuffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, data) in entries)
            {
                long size = data.NumberOfElements * SafeTensorsDType.Size(data.dtype);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafeTensorsDType.Name(data.dtype));
                json.WriteStartArray("shape");
                foreach (long dim in data.shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }
            json.WriteEndObject();
        }
        // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
        while (headerBuffer.Length % 8 != 0) headerBuffer.WriteByte((byte)' ');

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBuffer.Length);
        stream.Write(length);
        headerBuffer.Position = 0;
        headerBuffer.CopyTo(stream);
        foreach (var (_, data) in entries)
            if (data.NumberOfElements > 0)
                stream.Write(data.bytes);
        stream.Flush();
    }

    /// <summary>Reads a safetensors file.</summary>
    /// <param name="path">File path.</param>
    /// <exception cref="InvalidDataException">The file is truncated or not safetensors.</exception>
    public static SafeTensorsContent Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Reads safetensors from a stream into CPU tensors.</summary>
    /// <param name="stream">Readable source, positioned at the start of the safetensors data.</param>
    /// <exception cref="InvalidDataException">The data is truncated or not safetensors; the message says what is wrong.</exception>
    public static SafeTensorsContent Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureLittleEndian();
        TorchRuntime.EnsureInitialized();
        var lengthBytes = new byte[8];
        ReadExactly(stream, lengthBytes, "the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
            throw new InvalidDataException(
                $"Not a safetensors stream: header length {headerLength} is outside 2..{MaxHeaderBytes} bytes.");
        var header = new byte[headerLength];
        ReadExactly(stream, header, $"the {headerLength}-byte JSON header");

        var specs = ParseHeader(header, out var metadata);
        long dataLength = specs.Count == 0 ? 0 : specs.Max(s => s.End);
        if (dataLength > Array.MaxLength)
            throw new InvalidDataException($"Safetensors data of {dataLength} bytes is larger than this reader supports.");
        var data = new byte[dataLength];
        ReadExactly(stream, data, $"{dataLength} bytes of tensor data");

        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var spec in specs)
            {
                var tensor = empty(spec.Shape, spec.Type, CPU);
                if (spec.End > spec.Begin)
                    tensor.bytes = data.AsSpan((int)spec.Begin, (int)(spec.End - spec.Begin));
                tensors.Add(spec.Name, tensor);
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsContent(tensors, metadata);
    }

    private sealed record Spec(string Name, ScalarType Type, long[] Shape, long Begin, long End);

    private static List<Spec> ParseHeader(byte[] header, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var specs = new List<Spec>();
        try
        {
            using var document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException("Not a safetensors stream: the header is not a JSON object.");
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == MetadataKey)
                {
                    foreach (var item in property.Value.EnumerateObject())
                        metadata[item.Name] = item.Value.GetString() ?? "";
                    continue;
                }
                specs.Add(ParseSpec(property));
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException
                                   or KeyNotFoundException or DecoderFallbackException)
        {
            throw new InvalidDataException("Not a safetensors stream: the header is not valid safetensors JSON. " + e.Message, e);
        }
        return specs;
    }

    private static Spec ParseSpec(JsonProperty property)
    {
        var value = property.Value;
        string dtypeName = value.GetProperty("dtype").GetString() ?? "";
        var type = SafeTensorsDType.Parse(dtypeName) ?? throw new InvalidDataException(
            $"Tensor '{property.Name}' has unsupported dtype '{dtypeName}'.");
        var shape = value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || shape.Any(s => s < 0))
            throw new InvalidDataException($"Tensor '{property.Name}' has invalid shape or data_offsets.");
        long expected = shape.Aggregate(1L, (a, s) => a * s) * SafeTensorsDType.Size(type);
        if (offsets[1] - offsets[0] != expected)
            throw new InvalidDataException(
                $"Tensor '{property.Name}' holds {offsets[1] - offsets[0]} bytes; its shape [{string.Join(", ", shape)}] and dtype {dtypeName} need {expected}.");
        return new Spec(property.Name, type, shape, offsets[0], offsets[1]);
    }

    private static void ReadExactly(Stream stream, byte[] buffer, string what)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
                throw new InvalidDataException(
                    $"The safetensors stream is truncated: expected {what}, got only {total} of {buffer.Length} bytes.");
            total += read;
        }
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors I/O here requires a little-endian host.");
    }
}
