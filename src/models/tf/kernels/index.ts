/**
 * Kernels shopfloor adds to, or replaces in, tfjs-backend-wasm 4.22.
 *
 * Missing (checked against the cpu backend's list): of the training-relevant ops only
 * `Conv2DBackpropFilter`, without which Conv1D/Conv2D cannot train on wasm. `Conv2DBackpropInput`,
 * `MaxPoolGrad`, `AvgPoolGrad` and every op LSTM/GRU cells use exist.
 *
 * Replaced for speed (same results to float32 rounding; checked against the cpu backend in the tests):
 * - `BatchMatMul` with a transposed operand (every Dense/LSTM/GRU backward pass): transpose, then XNNPACK;
 * - `Conv2DBackpropInput` (channels last): XNNPACK matmul + col2im instead of a direct C loop;
 * - `MaxPoolGrad`: one pass over the outputs instead of over every input × covering window;
 * - `Slice`, `Unpack`, `SplitV` (read through a heap view, not a copy of the whole input) and `Identity` (share the buffer
 *   by reference count, as the cpu backend does): LSTM/GRU slice every time step.
 *
 * 1-D convolution (the Conv2D / Conv2DBackpropInput / Conv2DBackpropFilter of tf.conv1d), 1-D
 * MaxPoolGrad and Tanh run in shopfloor's own WebAssembly module (./fused-conv.ts, asm/conv.ts), the
 * batch split over two cores; they wrap the kernels above and defer to them for other shapes.
 *
 * Not kernels but whole layers: tfjs-layers' Dense and Conv1D `call` runs one fused op forward and one
 * backward (./fused-layers.ts; matmul or convolution + bias + activation, and all their gradients).
 * LSTM and GRU run as fused custom-gradient ops (./fused-rnn.ts, compiled
 * from asm/rnn.ts, re-exported by asm/index.ts, into build/wasm/kernels.wasm) through the layer classes of ./fused-rnn-layers.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMulWasmConfig } from './batch-mat-mul.js';
import { conv2DBackpropFilterWasmConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputWasmConfig } from './conv2d-backprop-input.js';
import { maxPoolGradWasmConfig } from './max-pool-grad.js';
import { fusedConvWasmConfigs } from './fused-conv.js';
import { patchLayers } from './fused-layers.js';
import { identityWasmConfig, sliceWasmConfig, splitVWasmConfig, unpackWasmConfig } from './slice-identity.js';

let registered: string[] | null = null;

/**
 * Register shopfloor's wasm kernels. Call once, after `@tensorflow/tfjs-backend-wasm` is imported and
 * before `tf.setBackend('wasm')` (so that the kernels' setup functions run). Idempotent. Returns the
 * names of the kernels shopfloor registered or replaced.
 */
export function registerWasmKernels(): string[] {
  if (registered) return registered;
  const names: string[] = [];
  // Missing kernels: add unless a future tfjs ships its own.
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel(conv2DBackpropFilterWasmConfig);
    names.push('Conv2DBackpropFilter');
  }
  // Faster replacements, built from (and wrapping) the backend's own kernels.
  for (const make of [batchMatMulWasmConfig, conv2DBackpropInputWasmConfig, maxPoolGradWasmConfig, sliceWasmConfig, unpackWasmConfig, splitVWasmConfig, identityWasmConfig]) {
    const cfg = make();
    tf.unregisterKernel(cfg.kernelName, 'wasm');
    tf.registerKernel(cfg);
    names.push(cfg.kernelName);
  }
  // 1-D convolution, max-pool gradient and tanh in shopfloor's own module (./fused-conv.ts): they
  // wrap the kernels registered above and defer to them outside the 1-D case or when the module is
  // not built. SHOPFLOOR_CONV_KERNELS=0 leaves them out (for comparisons).
  if (process.env['SHOPFLOOR_CONV_KERNELS'] !== '0') {
    for (const cfg of fusedConvWasmConfigs()) {
      tf.unregisterKernel(cfg.kernelName, 'wasm');
      tf.registerKernel(cfg);
      names.push(`${cfg.kernelName} (1-D, shopfloor wasm)`);
    }
  }
  // Dense and Conv1D layers as one fused op forward and one backward (./fused-layers.ts): tfjs-layers'
  // classes are patched in place. SHOPFLOOR_FUSED_LAYERS=0 leaves them as they are (for comparisons).
  if (process.env['SHOPFLOOR_FUSED_LAYERS'] !== '0') {
    for (const l of patchLayers()) names.push(`${l} layer (fused, shopfloor wasm)`);
  }
  registered = names;
  return names;
}
