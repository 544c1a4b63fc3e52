using System.Globalization;
using ImageClassification.Cli;
using Spectre.Console;

// Numbers print and parse the same everywhere (1.5e-3, 91.20 %).
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

// A redirected log (file, pipe, CI) is not wrapped at Spectre.Console's default of 80 columns.
if (Console.IsOutputRedirected)
    AnsiConsole.Profile.Width = VitSampleCli.RedirectedWidth;

// vit-sample: train, evaluate and serve a ViT image classifier with DistrAttention in ML.NET.
return VitSampleCli.Run(args);
