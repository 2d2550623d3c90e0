/**
 * `Conv2DBackpropFilter` for tfjs's wasm backend, which ships without it (so Conv1D/Conv2D layers
 * cannot train there). tf.conv1d is a conv2d over [batch, 1, width, channels], so this one kernel makes
 * Conv1D trainable.
 *
 * Method (channels-last, the layout tf.layers uses): the filter gradient is
 *   dW[fh, fw, c, oc] = Σ_{b, oh, ow} x[b, oh·sh + fh − padTop, ow·sw + fw − padLeft, c] · dy[b, oh, ow, oc]
 * i.e. colᵀ · dy with col the im2col matrix of x (one row per output position, K = fh·fw·c columns).
 * col is written straight into the wasm heap with block copies, transposed there by the backend's C
 * Transpose kernel, and multiplied by the backend's own XNNPACK matmul ([K × N]·[N × oc]): no
 * transposed matmul (about 10× slower in tfjs-wasm) and no JS-side copy of the result. Channels-first
 * input (rare) goes through a direct loop.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, matMul, transposeLast2, type WasmBackendLike } from './wasm-ops.js';

export type { WasmBackendLike } from './wasm-ops.js';

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * im2col for channels-last input: row n = (b·OH + oh)·OW + ow of `col` ([N, K], K = FH·FW·C) holds the
 * receptive field of output position n. With channels last, each filter row (fixed fh) is one
 * contiguous run of x, so rows are filled with block copies, zero where the window hangs over padding.
 */
export function im2colNHWC(xv: Float32Array, col: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = FH * FW * C;
  const rowLen = FW * C;
  let n = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, n++) {
        const iw0 = ow * SW - left;
        const fw0 = Math.max(0, -iw0);
        const fw1 = Math.min(FW, W - iw0);
        for (let fh = 0; fh < FH; fh++) {
          const dst = n * K + fh * rowLen;
          const ih = oh * SH + fh - top;
          if (ih < 0 || ih >= H || fw1 <= fw0) {
            col.fill(0, dst, dst + rowLen);
            continue;
          }
          if (fw0 > 0) col.fill(0, dst, dst + fw0 * C);
          const src = ((b * H + ih) * W + iw0 + fw0) * C;
          col.set(xv.subarray(src, src + (fw1 - fw0) * C), dst + fw0 * C);
          if (fw1 < FW) col.fill(0, dst + fw1 * C, dst + rowLen);
        }
      }
    }
  }
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
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: OC } = convInfo;
  const { filterHeight: FH, filterWidth: FW, strideHeight: SH, strideWidth: SW } = convInfo;
  const top = convInfo.padInfo.top;
  const left = convInfo.padInfo.left;
  const K = FH * FW * C;
  const N = B * OH * OW;

  if (convInfo.dataFormat === 'channelsLast' && N > 0 && K > 0) {
    // dW = colᵀ · dy: im2col into the heap, transpose there (C kernel), then one XNNPACK matmul
    // [K × N]·[N × OC].
    const col = backend.makeOutput([1, N, K], 'float32');
    im2colNHWC(heapF32(backend, x), heapF32(backend, col), convInfo);
    const colT = transposeLast2(backend, col);
    backend.disposeData(col.dataId);
    const dy3: tf.TensorInfo = { dataId: dy.dataId, shape: [1, N, OC], dtype: 'float32' };
    const out = matMul(backend, colT, dy3);
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
