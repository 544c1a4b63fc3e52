using System.Runtime.ExceptionServices;
using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// The first pass over a data set: every row's label and image, decoded to <see cref="PlanarImage"/> on several
/// threads, in a deterministic order. Where the data view offers a cursor set (ML.NET splits the cursor under
/// LoadImages and similar transforms, so each thread loads its own images), each cursor runs on its own thread
/// and rows are put back in row-id order; otherwise one cursor reads the raw values in chunks and the encoded
/// images are decoded in parallel, in cursor order. Rows whose label is missing (key 0) are skipped.
/// </summary>
internal static class LabeledRowReader
{
    /// <summary>Labels (0-based class indices) and images, row for row, and the number of skipped rows.</summary>
    public sealed record Rows(int[] Labels, PlanarImage[] Images, int Skipped);

    private const int ChunkPerThread = 32;

    /// <summary>Reads every row with <paramref name="threads"/> threads (1: a plain sequential read).</summary>
    public static Rows Read(IDataView data, DataViewSchema.Column image, DataViewSchema.Column label,
        ImagePreprocessor preprocessor, int threads)
    {
        threads = Math.Max(1, threads);
        var columns = ImagePathColumn.With(data.Schema, image, image, label);
        if (threads > 1)
        {
            var cursors = data.GetRowCursorSet(columns, threads);
            if (cursors.Length == 1)
                using (cursors[0])
                    return ReadChunked(cursors[0], image, label, preprocessor, threads);
            if (ReadCursorSet(cursors, image, label, preprocessor) is { } rows)
                return rows;
            // Row ids that are not unique give no order: read again the plain way.
        }
        using var cursor = data.GetRowCursor(columns);
        return ReadChunked(cursor, image, label, preprocessor, threads);
    }

    // One cursor: raw values are read in order; encoded images are decoded in parallel while the next chunk is read.
    private static Rows ReadChunked(DataViewRowCursor cursor, DataViewSchema.Column image, DataViewSchema.Column label,
        ImagePreprocessor preprocessor, int threads)
    {
        var readImage = ImageColumn.CreateRawReader(cursor, image);
        var readLabel = cursor.GetGetter<uint>(label);
        var labels = new List<int>();
        var images = new List<PlanarImage>();
        int skipped = 0, chunkSize = ChunkPerThread * threads;
        Task<PlanarImage[]>? pending = null;
        uint key = 0;
        bool more = true;
        while (more)
        {
            var chunk = new List<object>(chunkSize); // a PlanarImage, or the RawImage of an encoded image
            try
            {
                while (chunk.Count < chunkSize && (more = cursor.MoveNext()))
                {
                    readLabel(ref key);
                    if (key == 0) { skipped++; continue; }
                    labels.Add((int)key - 1);
                    var raw = readImage();
                    // An MLImage is the cursor's until the next read: convert it now (cheap at its own size).
                    chunk.Add(raw.IsEncoded && threads > 1 ? raw : raw.Decode(preprocessor));
                }
            }
            catch
            {
                pending?.GetAwaiter().GetResult(); // an error in an earlier row comes first
                throw;
            }
            if (pending is not null)
                images.AddRange(pending.GetAwaiter().GetResult());
            pending = chunk.Count == 0 ? null : Task.Run(() => DecodeChunk(chunk, preprocessor, threads));
        }
        if (pending is not null)
            images.AddRange(pending.GetAwaiter().GetResult());
        return new Rows([.. labels], [.. images], skipped);
    }

    private static PlanarImage[] DecodeChunk(List<object> chunk, ImagePreprocessor preprocessor, int threads)
    {
        var result = new PlanarImage[chunk.Count];
        var errors = new Exception?[chunk.Count];
        Parallel.For(0, chunk.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            try
            {
                result[i] = chunk[i] as PlanarImage ?? ((RawImage)chunk[i]).Decode(preprocessor);
            }
            catch (Exception e)
            {
                errors[i] = e;
            }
        });
        // The first bad row in row order, whichever thread met it first.
        if (errors.FirstOrDefault(e => e is not null) is { } error)
            ExceptionDispatchInfo.Throw(error);
        return result;
    }

    // A cursor set: each cursor loads and decodes on its own thread; the rows are then sorted by row id. Null when
    // the ids are not unique.
    private static Rows? ReadCursorSet(DataViewRowCursor[] cursors, DataViewSchema.Column image, DataViewSchema.Column label,
        ImagePreprocessor preprocessor)
    {
        var parts = new List<(DataViewRowId Id, int Label, PlanarImage Image)>[cursors.Length];
        var skipped = new int[cursors.Length];
        var errors = new (DataViewRowId Id, Exception Error)?[cursors.Length];
        int failed = 0;
        var workers = cursors.Select((cursor, t) => Task.Factory.StartNew(() =>
        {
            using (cursor)
            {
                var part = parts[t] = [];
                var readLabel = cursor.GetGetter<uint>(label);
                var readId = cursor.GetIdGetter();
                DataViewRowId id = default;
                var readImage = ImageColumn.CreateRawReader(cursor, image, () => RowName(id));
                uint key = 0;
                try
                {
                    while (Volatile.Read(ref failed) == 0 && cursor.MoveNext())
                    {
                        readId(ref id);
                        readLabel(ref key);
                        if (key == 0) { skipped[t]++; continue; }
                        part.Add((id, (int)key - 1, readImage().Decode(preprocessor)));
                    }
                }
                catch (Exception e)
                {
                    errors[t] = (id, e);
                    Volatile.Write(ref failed, 1);
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Task.WaitAll(workers);
        if (errors.Where(e => e is not null).OrderBy(e => e!.Value.Id).FirstOrDefault() is { } first)
            ExceptionDispatchInfo.Throw(first.Error);

        var all = parts.SelectMany(p => p).ToList();
        all.Sort((a, b) => a.Id.CompareTo(b.Id));
        for (int i = 1; i < all.Count; i++)
            if (all[i].Id.Equals(all[i - 1].Id))
                return null;
        return new Rows(all.Select(r => r.Label).ToArray(), all.Select(r => r.Image).ToArray(), skipped.Sum());
    }

    private static string RowName(DataViewRowId id) => id.High == 0 ? id.Low.ToString() : id.ToString();
}
