using ImageClassification.Cli;

// vit-sample: train, evaluate and serve a ViT image classifier with DistrAttention in ML.NET.
return VitSampleCli.RunAsProgram(args);
