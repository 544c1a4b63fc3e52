using System.CommandLine;
using System.Globalization;
using ImageClassification.Cli;

// Numbers print and parse the same everywhere (1.5e-3, 91.20 %).
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// vit-sample: train, evaluate and serve a ViT image classifier with DistrAttention in ML.NET.
var root = new RootCommand("Train, evaluate and run a Vision Transformer image classifier with DistrAttention (ML.NET).")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    PredictCommand.Create(),
    ImportFashionMnistCommand.Create(),
};
return root.Parse(args).Invoke();
