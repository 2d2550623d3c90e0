/**
 * `Conv2DBackpropInput` for the wasm backend through XNNPACK (replaces tfjs-wasm's direct C loop, which
 * was the slowest step of Conv1D training here).
 *
 *   dx = col2im(dy · Wᵀ)
 *
 * with W the filter viewed as [K = fh·fw·c, oc]: the product [N × oc]·[oc × K] gives, for every output
 * position, the gradient of its receptive field; col2im adds those fields back onto dx (overlapping
 * windows accumulate). Wᵀ is a small copy made by the backend's C Transpose kernel, so the matmul runs
 * untransposed in XNNPACK. Channels-first input goes to the backend's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, matMul, transposeLast2, type WasmBackendLike } from './wasm-ops.js';

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

let baseKernel: tf.KernelFunc | null = null;

/** col2im for channels-last: dx[b, ih, iw, :] += col[n, (fh, fw, :)] over every window covering it. */
export function col2imNHWC(col: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = FH * FW * C;
  dx.fill(0);
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, n++) {
        const iw0 = ow * SW - left;
        const fw0 = Math.max(0, -iw0);
        const fw1 = Math.min(FW, W - iw0);
        if (fw1 <= fw0) continue;
        const len = (fw1 - fw0) * C;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * SH + fh - top;
          if (ih < 0 || ih >= H) continue;
          const src = n * K + (fh * FW + fw0) * C;
          const dst = ((b * H + ih) * W + iw0 + fw0) * C;
          for (let j = 0; j < len; j++) dx[dst + j] = (dx[dst + j] as number) + (col[src + j] as number);
        }
      }
    }
  }
}

/** The kernel function (exported for tests). */
export function conv2DBackpropInputWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  const [FH, FW, C, OC] = filter.shape as [number, number, number, number];
  const convInfo = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    [FH, FW, C, OC],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  const N = convInfo.batchSize * convInfo.outHeight * convInfo.outWidth;
  const K = FH * FW * C;
  if (convInfo.dataFormat !== 'channelsLast' || N === 0 || K === 0) {
    if (!baseKernel) throw new Error('Conv2DBackpropInput: the wasm backend kernel was not captured');
    return baseKernel(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
  }
  const w2: tf.TensorInfo = { dataId: filter.dataId, shape: [1, K, OC], dtype: 'float32' };
  const wT = transposeLast2(backend, w2); // [1, OC, K]
  const dy3: tf.TensorInfo = { dataId: dy.dataId, shape: [1, N, OC], dtype: 'float32' };
  const col = matMul(backend, dy3, wT); // [1, N, K]
  backend.disposeData(wT.dataId);
  const dx = backend.makeOutput([...attrs.inputShape], 'float32');
  col2imNHWC(heapF32(backend, col), heapF32(backend, dx), convInfo);
  backend.disposeData(col.dataId);
  return dx;
}

/** Registration record; wraps (and keeps for channels-first) the backend's own kernel. */
export function conv2DBackpropInputWasmConfig(): tf.KernelConfig {
  const base = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (!base) throw new Error("shopfloor wasm kernel: wasm 'Conv2DBackpropInput' kernel not found");
  if (!baseKernel) baseKernel = base.kernelFunc;
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    ...(base.setupFunc ? { setupFunc: base.setupFunc } : {}),
    kernelFunc: conv2DBackpropInputWasm as unknown as tf.KernelFunc,
  };
}
