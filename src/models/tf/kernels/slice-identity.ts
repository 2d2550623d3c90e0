/**
 * `Slice`, `Unpack`, `SplitV` and `Identity` for the wasm backend without whole-tensor copies.
 *
 * tfjs-backend-wasm's Slice starts with `backend.readSync(x)`, which copies the *entire* input out of
 * the heap before copying the slice — and a recurrent layer slices its input once per time step and
 * its gate pre-activations four times per step (Unpack and SplitV call the same slice). Its Identity copies too, where the cpu backend just
 * shares the (immutable) buffer by reference count. Here: slices read through a heap view, and
 * Identity shares the buffer like tfjs's cpu backend and the wasm backend's own Reshape do.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './wasm-ops.js';

interface RefCounted {
  incRef(dataId: object): void;
}

let baseSlice: tf.KernelFunc | null = null;

/** Copy the box `begin` + `size` of a row-major array of `shape` into `out`. */
function stridedCopy(x: ArrayLike<number>, shape: readonly number[], begin: readonly number[], size: readonly number[], out: Float32Array | Int32Array | Uint8Array): void {
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (shape[i + 1] as number);
  const inner = size[rank - 1] as number;
  const idx = new Array<number>(rank - 1).fill(0);
  let o = 0;
  const rows = size.slice(0, -1).reduce((a, b) => a * b, 1);
  for (let r = 0; r < rows; r++) {
    let off = begin[rank - 1] as number;
    for (let d = 0; d < rank - 1; d++) off += ((begin[d] as number) + (idx[d] as number)) * (strides[d] as number);
    for (let j = 0; j < inner; j++) out[o++] = x[off + j] as number;
    for (let d = rank - 2; d >= 0; d--) {
      idx[d] = (idx[d] as number) + 1;
      if ((idx[d] as number) < (size[d] as number)) break;
      idx[d] = 0;
    }
  }
}

/** The Slice kernel function (exported for tests). */
export function sliceWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string' || x.shape.length === 0) {
    if (!baseSlice) throw new Error('Slice: the wasm backend kernel was not captured');
    return baseSlice(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const backend = args.backend as WasmBackendLike;
  const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
  const out = backend.makeOutput(s, x.dtype);
  if (tf.util.sizeFromShape(s) === 0) return out;
  // Views after the allocation (the heap may have grown).
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  if (tf.slice_util.isSliceContinous(x.shape, b, s)) {
    const off = tf.slice_util.computeFlatOffset(b, tf.util.computeStrides(x.shape));
    ov.set(xv.subarray(off, off + tf.util.sizeFromShape(s)));
  } else {
    stridedCopy(xv, x.shape, b, s, ov);
  }
  return out;
}

function identityWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  (args.backend as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/** Unpack (tf.unstack: one slice per index along `axis`, that axis dropped) through {@link sliceWasm}. */
function unpackWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { value } = args.inputs as { value: tf.TensorInfo };
  const rank = value.shape.length;
  const axis = ((args.attrs as { axis: number }).axis + rank) % rank;
  const num = value.shape[axis] as number;
  const begin = new Array<number>(rank).fill(0);
  const size = [...value.shape];
  size[axis] = 1;
  const outShape = value.shape.filter((_, i) => i !== axis);
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < num; i++) {
    begin[axis] = i;
    const t = sliceWasm({ inputs: { x: value }, backend: args.backend, attrs: { begin: [...begin], size } });
    outs.push({ dataId: t.dataId, shape: outShape, dtype: t.dtype });
  }
  return outs;
}

/** SplitV (tf.split) through {@link sliceWasm}. */
function splitVWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const begin = new Array<number>(x.shape.length).fill(0);
  const size = [...x.shape];
  return sizes.map((sz) => {
    const b = [...begin];
    size[ax] = sz;
    const t = sliceWasm({ inputs: { x }, backend: args.backend, attrs: { begin: b, size: [...size] } });
    begin[ax] = (begin[ax] as number) + sz;
    return t;
  });
}

/** Registration record for Unpack (replaces the backend's, which copies the whole input per slice). */
export function unpackWasmConfig(): tf.KernelConfig {
  return { kernelName: 'Unpack', backendName: 'wasm', kernelFunc: unpackWasm as unknown as tf.KernelFunc };
}

/** Registration record for SplitV (replaces the backend's, which copies the whole input per part). */
export function splitVWasmConfig(): tf.KernelConfig {
  return { kernelName: 'SplitV', backendName: 'wasm', kernelFunc: splitVWasm as unknown as tf.KernelFunc };
}

/** Registration record for Slice (wraps the backend's own kernel for strings). */
export function sliceWasmConfig(): tf.KernelConfig {
  const base = tf.getKernel('Slice', 'wasm');
  if (!base) throw new Error("shopfloor wasm kernel: wasm 'Slice' kernel not found");
  if (!baseSlice) baseSlice = base.kernelFunc;
  return { kernelName: 'Slice', backendName: 'wasm', ...(base.setupFunc ? { setupFunc: base.setupFunc } : {}), kernelFunc: sliceWasm as unknown as tf.KernelFunc };
}

/** Registration record for Identity. */
export function identityWasmConfig(): tf.KernelConfig {
  return { kernelName: 'Identity', backendName: 'wasm', kernelFunc: identityWasm as unknown as tf.KernelFunc };
}
