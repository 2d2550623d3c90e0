/**
 * `Conv2DBackpropFilter` for tfjs's wasm backend, which ships without it (so Conv1D/Conv2D layers
 * cannot train there). tf.conv1d is a conv2d over [batch, 1, width, channels], so this one kernel makes
 * Conv1D trainable.
 *
 * Method (channels-last, the layout tf.layers uses): the filter gradient is
 *   dW[fh, fw, c, oc] = Σ_{b, oh, ow} x[b, oh·sh + fh − padTop, ow·sw + fw − padLeft, c] · dy[b, oh, ow, oc]
 * i.e. colᵀ · dy with col the im2col matrix of x (one row per output position). We write colᵀ
 * (K = fh·fw·c rows × N = b·oh·ow columns) straight into the wasm heap, so the product is a plain
 * [K × N]·[N × oc] matmul run by the backend's own XNNPACK BatchMatMul kernel: no transposed matmul
 * (about 10× slower in tfjs-wasm) and no JS-side copy of the result. Channels-first input (rare) goes
 * through a direct loop.
 */
import * as tf from '@tensorflow/tfjs';

type TypedArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs-backend-wasm's `BackendWasm` a kernel needs (not exported as a type by tfjs). */
export interface WasmBackendLike {
  readSync(dataId: object): unknown;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
  disposeData(dataId: object, force?: boolean): boolean;
}

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

function heapF32(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Float32Array)) throw new Error(`Conv2DBackpropFilter: expected float32, got ${t.dtype}`);
  return a;
}

/** The kernel function (exported for tests). */
export function conv2DBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as BackpropFilterAttrs;
  const convInfo = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const {
    batchSize: B,
    inHeight: H,
    inWidth: W,
    inChannels: C,
    outHeight: OH,
    outWidth: OW,
    outChannels: OC,
    filterHeight: FH,
    filterWidth: FW,
    strideHeight: SH,
    strideWidth: SW,
  } = convInfo;
  const top = convInfo.padInfo.top;
  const left = convInfo.padInfo.left;
  const K = FH * FW * C;
  const N = B * OH * OW;

  if (convInfo.dataFormat === 'channelsLast' && N > 0 && K > 0) {
    // colT[k, n] with k = (fh·FW + fw)·C + c and n = (b·OH + oh)·OW + ow.
    const colT = backend.makeOutput([1, K, N], 'float32');
    const col = heapF32(backend, colT); // after the allocation: the heap may have grown
    const xv = heapF32(backend, x);
    for (let fh = 0; fh < FH; fh++) {
      for (let fw = 0; fw < FW; fw++) {
        for (let c = 0; c < C; c++) {
          const rowBase = ((fh * FW + fw) * C + c) * N;
          let n = 0;
          for (let b = 0; b < B; b++) {
            const xb = b * H * W * C;
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * SH + fh - top;
              if (ih < 0 || ih >= H) {
                col.fill(0, rowBase + n, rowBase + n + OW);
                n += OW;
                continue;
              }
              const xRow = xb + ih * W * C + c;
              for (let ow = 0; ow < OW; ow++, n++) {
                const iw = ow * SW + fw - left;
                col[rowBase + n] = iw >= 0 && iw < W ? (xv[xRow + iw * C] as number) : 0;
              }
            }
          }
        }
      }
    }
    const dy3: tf.TensorInfo = { dataId: dy.dataId, shape: [1, N, OC], dtype: 'float32' };
    const matMul = tf.getKernel('BatchMatMul', 'wasm');
    if (!matMul) throw new Error('Conv2DBackpropFilter: wasm BatchMatMul kernel not found');
    const out = matMul.kernelFunc({
      inputs: { a: colT, b: dy3 },
      backend: args.backend as tf.KernelBackend,
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo;
    backend.disposeData(colT.dataId);
    // [1, K, OC] and [FH, FW, C, OC] share one row-major layout: relabel the shape only.
    return { dataId: out.dataId, shape: [FH, FW, C, OC], dtype: 'float32' };
  }

  // Direct loop: channels-first, or empty shapes.
  const out = backend.makeOutput([FH, FW, C, OC], 'float32');
  const dw = heapF32(backend, out);
  dw.fill(0);
  const xv = heapF32(backend, x);
  const dyv = heapF32(backend, dy);
  const last = convInfo.dataFormat === 'channelsLast';
  const xs = last ? [H * W * C, W * C, C, 1] : [C * H * W, W, 1, H * W];
  const ys = last ? [OH * OW * OC, OW * OC, OC, 1] : [OC * OH * OW, OW, 1, OH * OW];
  const [xs0 = 0, xs1 = 0, xs2 = 0, xs3 = 0] = xs;
  const [ys0 = 0, ys1 = 0, ys2 = 0, ys3 = 0] = ys;
  for (let fh = 0; fh < FH; fh++) {
    for (let fw = 0; fw < FW; fw++) {
      for (let c = 0; c < C; c++) {
        for (let oc = 0; oc < OC; oc++) {
          let s = 0;
          for (let b = 0; b < B; b++) {
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * SH + fh - top;
              if (ih < 0 || ih >= H) continue;
              for (let ow = 0; ow < OW; ow++) {
                const iw = ow * SW + fw - left;
                if (iw < 0 || iw >= W) continue;
                s +=
                  (xv[b * xs0 + ih * xs1 + iw * xs2 + c * xs3] as number) *
                  (dyv[b * ys0 + oh * ys1 + ow * ys2 + oc * ys3] as number);
              }
            }
          }
          dw[((fh * FW + fw) * C + c) * OC + oc] = s;
        }
      }
    }
  }
  return out;
}

/** Kernel registration record for `tf.registerKernel`. */
export const conv2DBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as tf.KernelFunc,
};
