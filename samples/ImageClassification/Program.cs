using System.CommandLine;
using ImageClassification.Cli;

// vit-sample: train, evaluate and serve a ViT image classifier with DistrAttention in ML.NET.
var root = new RootCommand("Train, evaluate and run a Vision Transformer image classifier with DistrAttention (ML.NET).")
{
    ImportFashionMnistCommand.Create(),
};
return root.Parse(args).Invoke();
