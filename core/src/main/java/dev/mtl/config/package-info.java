/**
 * Configuration records: the Hugging Face BERT {@code config.json} binding and the settings of the
 * heads. Records validate themselves in their compact constructors. Depends on nothing of ours.
 */
package dev.mtl.config;
