/**
 * PyTorch's default initialisation for shopfloor's TensorFlow.js layers, as an option next to
 * TF.js/Keras's (Glorot-uniform kernels, orthogonal recurrent kernels, zero biases).
 *
 * - `nn.Linear` / `nn.Conv1d`: weights `kaiming_uniform_(a=√5)` = U(±1/√fanIn) and biases U(±1/√fanIn),
 *   fanIn = inputs × kernel length. In TF.js terms: `varianceScaling({scale: 1/3, mode: 'fanIn',
 *   distribution: 'uniform'})` for the kernel (limit √(3·scale/fanIn) = 1/√fanIn) and a uniform bias.
 * - `nn.LSTM` / `nn.GRU`: every weight U(±1/√H) (H = hidden units), input and recurrent kernels alike,
 *   and two biases, `b_ih` and `b_hh`, each U(±1/√H), that enter every gate as their sum. TF.js's cells
 *   have one bias, so it is drawn as the sum of two independent U(±1/√H) — the same distribution as
 *   PyTorch's effective bias (triangular on ±2/√H), not just the same range.
 *
 * Every draw is seeded from the estimator's {@link SeedSource}, so fits stay reproducible. Saved models
 * are unaffected (the weights are saved; initialisers only matter before the first step).
 */
import { tf } from './backend.js';
import type { Initializer, SeedSource } from './neural-estimator.js';

/** Weight initialisation schemes of the neural estimators that take an `init` option. */
export const INIT_SCHEMES = ['keras', 'torch'] as const;
/** 'keras' (TF.js's defaults: Glorot / He / orthogonal, zero biases) or 'torch' (PyTorch's defaults). */
export type InitScheme = (typeof INIT_SCHEMES)[number];

/** PyTorch's Linear/Conv weight init, kaiming_uniform(a=√5) = U(±1/√fanIn), seeded. */
export function torchKernel(seeds: SeedSource): Initializer {
  return tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: seeds.next() });
}

/** PyTorch's Linear/Conv bias init, U(±1/√fanIn), seeded. */
export function torchBias(seeds: SeedSource, fanIn: number): Initializer {
  return torchUniform(seeds, 1 / Math.sqrt(fanIn));
}

/** U(±bound), seeded (PyTorch's LSTM/GRU weights: bound 1/√H). */
export function torchUniform(seeds: SeedSource, bound: number): Initializer {
  return tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seeds.next() });
}

/**
 * Overwrite the bias of a built TF.js LSTM/GRU layer (weights `[kernel, recurrentKernel, bias]`) with
 * the sum of two seeded U(±1/√units): PyTorch's `b_ih + b_hh`.
 */
export function setTorchRecurrentBias(layer: tf.layers.Layer, units: number, seeds: SeedSource): void {
  const w = layer.getWeights();
  const bias = w[2];
  if (w.length !== 3 || !bias) throw new Error(`setTorchRecurrentBias: expected [kernel, recurrentKernel, bias] weights, got ${w.length}.`);
  const bound = 1 / Math.sqrt(units);
  const n = bias.shape[0] as number;
  const b = tf.tidy(() => tf.add(tf.randomUniform([n], -bound, bound, 'float32', seeds.next()), tf.randomUniform([n], -bound, bound, 'float32', seeds.next())));
  layer.setWeights([w[0] as tf.Tensor, w[1] as tf.Tensor, b]);
  b.dispose();
}
