/**
 * Calling tfjs-backend-wasm's own kernels from inside another kernel, on `TensorInfo`s in the wasm
 * heap (no JS-side copies).
 */
import * as tf from '@tensorflow/tfjs';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's `BackendWasm` a kernel needs (tfjs does not export the type). */
export interface WasmBackendLike {
  readSync(dataId: object): unknown;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** A float32 view of a tensor in the wasm heap. Take it after the last allocation: the heap may grow. */
export function heapF32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Float32Array)) throw new Error(`shopfloor wasm kernel: expected float32, got ${t.dtype}`);
  return a;
}

function kernel(name: string): tf.KernelFunc {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`shopfloor wasm kernel: wasm '${name}' kernel not found`);
  return k.kernelFunc;
}

/** The original (XNNPACK) BatchMatMul, saved before shopfloor wraps it. */
let baseMatMul: tf.KernelFunc | null = null;

/** Remember the backend's own BatchMatMul (call before re-registering it). */
export function captureBaseMatMul(): tf.KernelConfig {
  const k = tf.getKernel('BatchMatMul', 'wasm');
  if (!k) throw new Error("shopfloor wasm kernel: wasm 'BatchMatMul' kernel not found");
  if (!baseMatMul) baseMatMul = k.kernelFunc;
  return k;
}

/** a · b with no transposes, through XNNPACK: [batch, m, k] × [batch, k, n]. */
export function matMul(backend: unknown, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const f = baseMatMul ?? kernel('BatchMatMul');
  return f({ inputs: { a, b }, backend: backend as tf.KernelBackend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
}

/** Transpose the last two axes (wasm's C transpose kernel). */
export function transposeLast2(backend: unknown, x: tf.TensorInfo): tf.TensorInfo {
  const r = x.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 1] = r - 2;
  perm[r - 2] = r - 1;
  return kernel('Transpose')({ inputs: { x }, backend: backend as tf.KernelBackend, attrs: { perm } }) as tf.TensorInfo;
}
