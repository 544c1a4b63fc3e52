namespace DistrAttention.Vit.Model;

/// <summary>How a freshly built <see cref="VisionTransformer"/> draws its weights (fine-tuning and loading overwrite them).</summary>
public enum WeightInitialization
{
    /// <summary>timm's: truncated normal (σ = 0.02) for every Linear weight, the class token and the position embedding;
    /// zero Linear biases. Suited to large-data pre-training.</summary>
    Timm,

    /// <summary>PyTorch's module defaults: Linear and the patch convolution keep their constructors' Kaiming-uniform
    /// weights and uniform biases (bound 1/√fan_in); the position embedding is normal (σ = 0.02) and the class token zero,
    /// as torchvision's ViT sets them. Larger initial weights than <see cref="Timm"/> at small widths; the trainer's default
    /// (it trained better from scratch on validation data, bench/results/accuracy-fmnist.md).</summary>
    PyTorchDefault,
}
