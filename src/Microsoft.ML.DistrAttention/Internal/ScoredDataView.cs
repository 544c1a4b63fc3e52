using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>
/// The result of <c>Transform</c>: the input's columns plus Score and PredictedLabel, scored lazily in batches.
/// A second input cursor reads images ahead one batch at a time, so pass-through columns stay live and the
/// model sees whole batches. Row order is the input's, so shuffling is not offered.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly VitImageClassificationTransformer parent;
    private readonly IDataView input;
    private readonly DataViewSchema.Column image;

    public ScoredDataView(VitImageClassificationTransformer parent, IDataView input)
    {
        this.parent = parent;
        this.input = input;
        Schema = parent.GetOutputSchema(input.Schema);
        image = ImageColumn.Find(input.Schema, parent.Settings.ImageColumnName);
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int inputCount = input.Schema.Count;
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        bool scoring = needed.Any(i => i >= inputCount);
        var main = input.GetRowCursor(needed.Where(i => i < inputCount).Select(i => input.Schema[i]));
        var ahead = scoring ? input.GetRowCursor(ImagePathColumn.With(input.Schema, image, image)) : null;
        return new Cursor(this, main, ahead, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ScoredDataView view;
        private readonly DataViewRowCursor main;
        private readonly DataViewRowCursor? ahead;
        private readonly HashSet<int> active;
        private readonly Func<byte[]>? readImage;
        private readonly Queue<float[]> pending = new();
        private float[] current = [];

        public Cursor(ScoredDataView view, DataViewRowCursor main, DataViewRowCursor? ahead, HashSet<int> active)
        {
            this.view = view;
            this.main = main;
            this.ahead = ahead;
            this.active = active;
            if (ahead is not null)
                readImage = ImageColumn.CreateReader(ahead, view.image, view.parent.Preprocessor);
        }

        public override DataViewSchema Schema => view.Schema;
        public override long Position => main.Position;
        public override long Batch => main.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => main.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (!main.MoveNext()) return false;
            if (ahead is null) return true;
            if (pending.Count == 0) Fill();
            current = pending.Count > 0 ? pending.Dequeue()
                : throw new InvalidOperationException("The input data returned different rows on two cursors; scoring needs a repeatable input.");
            return true;
        }

        private void Fill()
        {
            var images = new List<byte[]>();
            while (images.Count < view.parent.Settings.BatchSize && ahead!.MoveNext())
                images.Add(readImage!());
            foreach (var p in view.parent.Scorer.Score(images))
                pending.Enqueue(p);
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!active.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
            int inputCount = view.input.Schema.Count;
            if (column.Index < inputCount)
                return main.GetGetter<TValue>(view.input.Schema[column.Index]);
            var getter = OutputGetters.Create(column.Index, inputCount, inputCount + 1, () => current)!;
            return OutputGetters.Cast<TValue>(getter, column);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                main.Dispose();
                ahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
