/**
 * Model directories that other tools load: the sentence-transformers modules, the Hugging Face
 * tokenizer files and model card written beside every saved model, and the single-task exports in the
 * layouts of transformers' auto classes. Works on plain {@link dev.mtl.interop.ModelParts} (configs,
 * tokenizer JSON, tensors); may use config, weights and io, never the model classes.
 */
package dev.mtl.interop;
