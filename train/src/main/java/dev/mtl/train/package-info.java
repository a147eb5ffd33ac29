/**
 * The training loop, task sampling, loss weighting, schedules, freezing, checkpoints; uses model, heads,
 * data, eval. {@link dev.mtl.train.TrainConfig} is the run's configuration, read from YAML or JSON and
 * checked as a whole before anything is trained, so a typo costs a second, not an epoch.
 */
package dev.mtl.train;
