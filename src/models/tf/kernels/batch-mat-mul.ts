/**
 * BatchMatMul for the wasm backend that never runs a transposed product in place.
 *
 * tfjs-backend-wasm sends `a·b` to XNNPACK (26–34 GFLOP/s here) but computes `aᵀ·b` and `a·bᵀ` in a
 * plain C loop (about 2.6 GFLOP/s) — and backpropagation through every Dense layer needs exactly those
 * two (dW = xᵀ·dy, dx = dy·Wᵀ). Transposing the operand first (a memory-bound copy) and then calling
 * XNNPACK is several times faster. The result is the same product, summed in a different order, so
 * values agree with the cpu backend to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { captureBaseMatMul, matMul, transposeLast2, type WasmBackendLike } from './wasm-ops.js';

function batchMatMulWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
  const backend = args.backend as WasmBackendLike;
  const temps: tf.TensorInfo[] = [];
  let a2 = a;
  let b2 = b;
  if (attrs.transposeA) {
    a2 = transposeLast2(backend, a);
    temps.push(a2);
  }
  if (attrs.transposeB) {
    b2 = transposeLast2(backend, b);
    temps.push(b2);
  }
  try {
    return matMul(backend, a2, b2);
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/**
 * Registration record (built lazily: it wraps the backend's own kernel, which must be registered
 * first, i.e. after `@tensorflow/tfjs-backend-wasm` is imported).
 */
export function batchMatMulWasmConfig(): tf.KernelConfig {
  const base = captureBaseMatMul();
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    ...(base.setupFunc ? { setupFunc: base.setupFunc } : {}),
    kernelFunc: batchMatMulWasm as unknown as tf.KernelFunc,
  };
}
