using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// Runs a batch sequence on a background thread, at most <c>depth</c> items ahead of the consumer, so batch b + 1 is
/// made while step b runs. Items come out in order, each exactly once; the consumer disposes what it takes.
/// An exception of the producer is rethrown by <see cref="TryTake"/> after the items made before it. Disposing stops
/// the thread and disposes the items made but never taken.
/// </summary>
internal sealed class BatchPrefetcher<T> : IDisposable where T : class, IDisposable
{
    private readonly BlockingCollection<T> queue;
    private readonly CancellationTokenSource stop;
    private readonly Thread thread;
    private Exception? error;
    private bool disposed;

    /// <param name="source">Enumerated on the background thread; its items must not depend on that thread (detach tensors from dispose scopes).</param>
    /// <param name="depth">Items ready and waiting at most (the thread may be making one more).</param>
    /// <param name="cancellation">Stops the producer; <see cref="TryTake"/> then throws <see cref="OperationCanceledException"/>.</param>
    public BatchPrefetcher(IEnumerable<T> source, int depth = 1, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        queue = new BlockingCollection<T>(depth);
        stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        thread = new Thread(() => Produce(source)) { IsBackground = true, Name = "batch prefetch" };
        thread.Start();
    }

    private void Produce(IEnumerable<T> source)
    {
        try
        {
            foreach (var item in source)
            {
                try
                {
                    queue.Add(item, stop.Token);
                }
                catch
                {
                    item.Dispose(); // never handed over
                    throw;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            queue.CompleteAdding();
        }
    }

    /// <summary>The next item in order; false when the sequence has ended. Rethrows the producer's exception.</summary>
    public bool TryTake(out T item)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (queue.TryTake(out item!, Timeout.Infinite, stop.Token))
            return true;
        // Completed: the producer has finished, so its error (written before CompleteAdding) is visible.
        if (error is not null)
            ExceptionDispatchInfo.Throw(error);
        stop.Token.ThrowIfCancellationRequested();
        return false;
    }

    /// <summary>The next item; throws when the sequence has ended early.</summary>
    public T Take() => TryTake(out var item) ? item : throw new InvalidOperationException("The batch sequence ended early.");

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        stop.Cancel();
        thread.Join();
        while (queue.TryTake(out var left))
            left.Dispose();
        queue.Dispose();
        stop.Dispose();
    }
}
