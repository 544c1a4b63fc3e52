using System.Globalization;
using ImageClassification.Cli;

// Numbers print and parse the same everywhere (1.5e-3, 91.20 %).
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// vit-sample: train, evaluate and serve a ViT image classifier with DistrAttention in ML.NET.
return VitSampleCli.Run(args);
