/**
 * Kernels shopfloor adds to tfjs-backend-wasm 4.22 where it has none (checked against the cpu
 * backend's list: of the training-relevant ops only `Conv2DBackpropFilter` is missing;
 * `Conv2DBackpropInput`, `MaxPoolGrad`, `AvgPoolGrad` and everything LSTM/GRU cells use exist).
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';

const CONFIGS: readonly tf.KernelConfig[] = [conv2DBackpropFilterWasmConfig];

/**
 * Register shopfloor's wasm kernels (idempotent; skips kernels the backend already has, so a future
 * tfjs release that ships its own wins). Resolves to the names registered by shopfloor.
 */
export function registerWasmKernels(): string[] {
  const names: string[] = [];
  for (const cfg of CONFIGS) {
    const existing = tf.getKernel(cfg.kernelName, 'wasm');
    if (existing && existing.kernelFunc !== cfg.kernelFunc) continue;
    if (!existing) tf.registerKernel(cfg);
    names.push(cfg.kernelName);
  }
  return names;
}
