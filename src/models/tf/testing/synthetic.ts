/**
 * Small seeded synthetic problems for the neural estimators' tests and benchmarks.
 */
import { Rng } from '../../../core/random.js';
import type { Samples } from '../../estimator.js';

/** A labelled data set. */
export interface Dataset {
  readonly x: Samples;
  readonly y: Float64Array;
}

/** Two features, class 1 inside a circle of radius 0.6 (not linearly separable). */
export function circles(n: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.uniform(-1, 1);
    const b = rng.uniform(-1, 1);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = a * a + b * b < 0.36 ? 1 : 0;
  }
  return { x: { x, n, shape: [2] }, y };
}

/** `d` features, class = sign of a fixed linear function (+ label noise `flip`), `k` = 2 or 3 classes. */
export function linear(n: number, d: number, seed: number, k = 2, flip = 0): Dataset {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let t = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.normal() * (j + 1); // unequal scales: standardisation matters
      x[i * d + j] = v;
      s += v / (j + 1) * (j % 2 === 0 ? 1 : -0.5);
      t += v / (j + 1) * (j % 3 === 0 ? 1 : 0.3);
    }
    let c = k === 2 ? (s > 0 ? 1 : 0) : s > 0.5 ? 2 : t > 0 ? 1 : 0;
    if (flip > 0 && rng.bernoulli(flip)) c = (c + 1) % k;
    y[i] = c;
  }
  return { x: { x, n, shape: [d] }, y };
}

/**
 * Windows `[steps, features]` of noisy sensor traces; class 1 when feature 0 trends upwards (an
 * order-dependent pattern: shuffling the steps destroys it). `slope` holds the trend for regression.
 */
export function trendWindows(n: number, steps: number, features: number, seed: number): Dataset & { slope: Float64Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(n * steps * features);
  const y = new Float64Array(n);
  const slope = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = rng.uniform(-1, 1);
    slope[i] = s;
    y[i] = s > 0 ? 1 : 0;
    const level = rng.normal(0, 1);
    for (let t = 0; t < steps; t++) {
      for (let f = 0; f < features; f++) {
        const base = f === 0 ? level + (s * 2 * t) / steps : rng.normal(0, 1);
        x[(i * steps + t) * features + f] = base + rng.normal(0, 0.15);
      }
    }
  }
  return { x: { x, n, shape: [steps, features] }, y, slope };
}

/** Fraction of equal entries. */
export function accuracy(pred: Float64Array, y: Float64Array): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}
