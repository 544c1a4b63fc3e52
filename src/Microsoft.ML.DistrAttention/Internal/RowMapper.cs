using Microsoft.ML.Data;

namespace Microsoft.ML.DistrAttention.Internal;

/// <summary>Row-to-row mapping for <c>PredictionEngine</c>: scores one row when its Score or PredictedLabel is read.</summary>
internal sealed class RowMapper : IRowToRowMapper
{
    private readonly VitImageClassificationTransformer parent;
    private readonly DataViewSchema.Column image;

    public RowMapper(VitImageClassificationTransformer parent, DataViewSchema inputSchema)
    {
        this.parent = parent;
        InputSchema = inputSchema;
        OutputSchema = parent.GetOutputSchema(inputSchema);
        image = ImageColumn.Find(inputSchema, parent.Settings.ImageColumnName);
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var result = new List<DataViewSchema.Column>();
        bool scoring = false;
        foreach (var column in dependingColumns)
        {
            if (column.Index < InputSchema.Count) result.Add(InputSchema[column.Index]);
            else scoring = true;
        }
        if (scoring)
            foreach (var needed in ImagePathColumn.With(InputSchema, image, image))
                if (!result.Any(c => c.Index == needed.Index)) result.Add(needed);
        return result;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        if (input.Schema != InputSchema)
            throw new ArgumentException("The row's schema is not the schema this mapper was created for.", nameof(input));
        return new Row(this, input, activeColumns.Select(c => c.Index).ToHashSet());
    }

    private sealed class Row : DataViewRow
    {
        private readonly RowMapper mapper;
        private readonly DataViewRow input;
        private readonly HashSet<int> active;
        private Func<byte[]>? readImage;
        private long scoredPosition = -1;
        private float[] current = [];

        public Row(RowMapper mapper, DataViewRow input, HashSet<int> active)
        {
            this.mapper = mapper;
            this.input = input;
            this.active = active;
        }

        public override DataViewSchema Schema => mapper.OutputSchema;
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            int inputCount = mapper.InputSchema.Count;
            if (column.Index < inputCount)
                return input.GetGetter<TValue>(mapper.InputSchema[column.Index]);
            if (!active.Contains(column.Index))
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            return OutputGetters.Cast<TValue>(OutputGetters.Create(column.Index, inputCount, inputCount + 1, Current)!, column);
        }

        // Score once per input row, however many output getters are read.
        private float[] Current()
        {
            if (scoredPosition == input.Position && current.Length > 0) return current;
            readImage ??= ImageColumn.CreateReader(input, mapper.image, mapper.parent.Preprocessor);
            current = mapper.parent.Scorer.Score([readImage()])[0];
            scoredPosition = input.Position;
            return current;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }
}
