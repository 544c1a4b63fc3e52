using DistrAttention.Vit.Attention;
using DistrAttention.Vit.Model;
using DistrAttention.Vit.Native;
using DistrAttention.Runtime;

namespace Microsoft.ML.DistrAttention;

public sealed partial class VitImageClassificationTrainer
{
    /// <summary>Everything that configures a <see cref="VitImageClassificationTrainer"/>. Defaults suit ViT-Tiny at 224×224.</summary>
    public sealed class Options
    {
        /// <summary>Label column; must be a key type (use <c>MapValueToKey</c>).</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>
        /// Image column: <c>MLImage</c> (from <c>LoadImages</c>) or the bytes of an encoded image (PNG, JPEG, …).
        /// Bad images raise <see cref="InvalidDataException"/> in <c>Fit</c>, <c>Transform</c> and <c>PredictionEngine</c>,
        /// naming the column and the row, and the file when the input has one text column whose name contains "path"
        /// (e.g. <c>ImagePath</c>): empty, undecodable or truncated bytes (a PNG without its IEND chunk, a JPEG without
        /// its FF D9 end marker), and, for an <c>MLImage</c> column, files that <c>LoadImages</c> cannot load (corrupt or
        /// empty). A truncated PNG or JPEG behind an <c>MLImage</c> column is caught only when that path column holds a
        /// path that can be opened as it stands (absolute, or relative to the current directory); otherwise the decoder's
        /// partial image (missing rows black) is used, as the bytes are not visible.
        /// </summary>
        public string ImageColumnName { get; set; } = "Image";

        /// <summary>Output column of class probabilities (vector of float).</summary>
        public string ScoreColumnName { get; set; } = "Score";

        /// <summary>Output column of the predicted class (the label's key type).</summary>
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

        /// <summary>Architecture preset; ignored when <see cref="Config"/> or an initial model is given.</summary>
        public VitPreset Preset { get; set; } = VitPreset.Tiny;

        /// <summary>
        /// Full architecture, instead of <see cref="Preset"/>, <see cref="ImageSize"/>, <see cref="PatchSize"/>,
        /// <see cref="Channels"/> and <see cref="Attention"/>. Its class count is replaced by the label's. With a Config,
        /// each of those four options must be left at its default (224, 16, 3, null) or set to the Config's own value;
        /// any other value is an <see cref="ArgumentException"/> naming both options, as it would be silently ignored.
        /// </summary>
        public VitConfig? Config { get; set; }

        /// <summary>Side of the square model input; images are resized to it inside the trainer.</summary>
        public int ImageSize { get; set; } = 224;

        /// <summary>Patch side; must divide <see cref="ImageSize"/>.</summary>
        public int PatchSize { get; set; } = 16;

        /// <summary>Model input channels: 3 (RGB) or 1 (grey); images are converted to it.</summary>
        public int Channels { get; set; } = 3;

        /// <summary>
        /// Attention of every block (kind, G, l, mode, seed). Null (default): a new model gets DistrAttention, G = 2,
        /// l = 64, Mean; a fine-tuned model (<see cref="InitialModel"/>, <see cref="InitialModelPath"/>) keeps the
        /// initial model's attention. Set it to change the attention of a fine-tuned model (e.g. Exact → DistrAttention).
        /// </summary>
        public AttentionOptions? Attention { get; set; }

        /// <summary>Per-channel mean subtracted from pixels scaled to [0, 1]; null means 0.5 for every channel.</summary>
        public float[]? NormalizationMean { get; set; }

        /// <summary>Per-channel standard deviation pixels are divided by; null means 0.5 for every channel.</summary>
        public float[]? NormalizationStd { get; set; }

        /// <summary>Planned passes over the training data.</summary>
        public int Epochs { get; set; } = 10;

        /// <summary>Images per batch, in training and in scoring.</summary>
        public int BatchSize { get; set; } = 32;

        /// <summary>Peak AdamW learning rate, reached after warm-up, then decayed to <see cref="MinLearningRate"/> on a cosine.</summary>
        public double LearningRate { get; set; } = 1e-3;

        /// <summary>Learning rate at the end of the cosine decay.</summary>
        public double MinLearningRate { get; set; }

        /// <summary>Epochs of linear warm-up from 0 to <see cref="LearningRate"/> (fractions allowed).</summary>
        public double WarmupEpochs { get; set; } = 1;

        /// <summary>AdamW decoupled weight decay; applied to weight matrices and embeddings, not to biases or norms.</summary>
        public double WeightDecay { get; set; } = 0.05;

        /// <summary>Label smoothing of the cross-entropy loss, in [0, 1).</summary>
        public double LabelSmoothing { get; set; } = 0.1;

        /// <summary>Clip the global gradient norm to this value before each AdamW step; 0 turns clipping off.</summary>
        public double MaxGradNorm { get; set; } = 1.0;

        /// <summary>How a model trained from scratch draws its initial weights (ignored when fine-tuning); see
        /// <see cref="WeightInitialization"/>. The default is the recipe chosen on validation data
        /// (bench/results/accuracy-fmnist.md: ViT-Tiny dims at N = 197, 2 recipe seeds, 2.2 points above
        /// <see cref="WeightInitialization.Timm"/>, with <see cref="MaxGradNorm"/> 1).</summary>
        public WeightInitialization Initialization { get; set; } = WeightInitialization.PyTorchDefault;

        /// <summary>Augmentation: shift each training image by up to <see cref="RandomCropPadding"/> pixels (zero fill).</summary>
        public bool RandomCrop { get; set; } = true;

        /// <summary>Padding of the random crop, in pixels of the model input.</summary>
        public int RandomCropPadding { get; set; } = 4;

        /// <summary>Augmentation: mirror each training image left–right with probability ½ (turn off for text, digits).</summary>
        public bool HorizontalFlip { get; set; } = true;

        /// <summary>Where to train and score. Auto picks CUDA when available.</summary>
        public ComputeDevice Device { get; set; } = ComputeDevice.Auto;

        /// <summary>
        /// The whole model's compute precision in training and inference, like PyTorch's autocast: with BFloat16 or
        /// Float16 the matrix products, the patch convolution and attention run in that type on float32 master weights;
        /// layer norm, the loss and the optimiser stay float32; Float16 adds dynamic loss scaling. Float32 on CUDA uses TF32
        /// matrix products. Null (default): BFloat16 on CUDA, Float32 on the CPU. Saved with the model; a loaded model
        /// scores in the saved precision.
        /// </summary>
        public ComputePrecision? Precision { get; set; }

        /// <summary>Intra-op CPU threads for libtorch (process-wide); null means all logical cores. Only set on CPU.</summary>
        public int? NumberOfThreads { get; set; }

        /// <summary>Optional validation set with the same columns as the training data; measured after each epoch.</summary>
        public IDataView? ValidationSet { get; set; }

        /// <summary>Stop when validation accuracy has not improved for this many epochs; null turns early stopping off.
        /// Needs <see cref="ValidationSet"/>.</summary>
        public int? EarlyStoppingPatience { get; set; }

        /// <summary>With a validation set: end with the weights of the epoch of best validation accuracy.</summary>
        public bool RestoreBestWeights { get; set; } = true;

        /// <summary>Receives a report after every batch and every validation pass (on the training thread).</summary>
        public IProgress<TrainingProgress>? Progress { get; set; }

        /// <summary>Seed of weight initialisation, shuffling, augmentation and dropout.</summary>
        public int Seed { get; set; } = 1;

        /// <summary>
        /// Fine-tuning: start from this fitted model's weights: a <see cref="VitImageClassificationTransformer"/> or a
        /// pipeline (<c>TransformerChain</c>, e.g. from <c>Fit</c> or <c>LoadWithVit</c>) holding exactly one; none or
        /// several is an <see cref="ArgumentException"/>. Its architecture, image size and channels are kept; its attention
        /// too unless <see cref="Attention"/> is set (e.g. Exact → DistrAttention); when the class count differs the
        /// classification head is re-initialised. The given model is not changed.
        /// </summary>
        public ITransformer? InitialModel { get; set; }

        /// <summary>
        /// Fine-tuning: start from a file: a pipeline zip written by <c>mlContext.Model.SaveWithVit</c> (holding exactly
        /// one ViT) or a checkpoint written by <c>VitCheckpoint.Save</c>. Same rules as <see cref="InitialModel"/>.
        /// </summary>
        public string? InitialModelPath { get; set; }

        /// <summary>
        /// Data-parallel training on several GPUs, one process per GPU, through NCCL (see docs/distributed.md). Null
        /// (default): on when the environment describes a job of two or more processes (<c>WORLD_SIZE</c> above 1, as
        /// <c>torchrun</c> and <c>vit-sample train --gpus N</c> set it); true: required (<c>RANK</c>, <c>WORLD_SIZE</c>,
        /// <c>LOCAL_RANK</c>, <c>MASTER_ADDR</c> and <c>MASTER_PORT</c> must be set; <c>WORLD_SIZE</c> = 1 runs one rank
        /// through NCCL); false: never. Each process trains on cuda:<c>LOCAL_RANK</c> with <see cref="BatchSize"/> images
        /// per step from its shard of each epoch (the global batch is <see cref="BatchSize"/> × <c>WORLD_SIZE</c>; the
        /// learning rate is not scaled), starts from rank 0's weights, averages gradients over the ranks, and reports loss
        /// and accuracy over all ranks; validation runs on every rank and rank 0's accuracy decides. Every process returns
        /// the same model, of the same family and save format as a single-GPU run: save it from rank 0 only. Needs CUDA
        /// and libnccl from the PyTorch install (or <c>DISTRATTENTION_NCCL</c>); with <see cref="Device"/> = Cpu it is an
        /// <see cref="ArgumentException"/>, as are missing or malformed variables (the message names them).
        /// </summary>
        public bool? Distributed { get; set; }

        /// <summary>Tests: the ranks of a job, instead of NCCL from the environment (any device; see DistributedTraining).</summary>
        internal global::DistrAttention.Vit.Distributed.ICollectives? DistributedGroup { get; set; }

        /// <summary>A shallow copy, so a trainer is not affected by later changes to the caller's instance.</summary>
        internal Options Clone() => (Options)MemberwiseClone();
    }
}
