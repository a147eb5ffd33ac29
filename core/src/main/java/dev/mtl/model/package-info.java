/**
 * The BERT encoder as plain modules over DJL NDArrays, read like HF's modeling_bert.py: {@code BertEmbeddings →
 * BertSelfAttention → BertLayer → BertModel}, with parameters under HF checkpoint names and the one
 * {@link dev.mtl.model.ParameterTable} that maps keys to parameters. Depends on config and weights.
 */
package dev.mtl.model;
