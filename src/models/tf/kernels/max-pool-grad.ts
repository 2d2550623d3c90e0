/**
 * `MaxPoolGrad` for the wasm backend in one pass over the outputs: each output's gradient goes to the
 * first maximum of its window (scan order rows then columns, as tfjs's cpu backend does). Replaces
 * tfjs-wasm's kernel, which loops over every input position and every window covering it.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './wasm-ops.js';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The kernel function (exported for tests). */
export function maxPoolGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const attrs = args.attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: SH, strideWidth: SW, effectiveFilterHeight: FH, effectiveFilterWidth: FW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dx = backend.makeOutput([...input.shape], 'float32');
  const out = heapF32(backend, dx);
  const xv = heapF32(backend, input);
  const g = heapF32(backend, dy);
  out.fill(0);
  // Channels innermost: every read is contiguous. best/arg hold the running maximum per channel.
  const best = new Float32Array(C);
  const arg = new Int32Array(C);
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(0, oh * SH - top);
      const h1 = Math.min(H, oh * SH - top + FH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(0, ow * SW - left);
        const w1 = Math.min(W, ow * SW - left + FW);
        if (h1 <= h0 || w1 <= w0) continue;
        let first = true;
        for (let h = h0; h < h1; h++) {
          for (let w = w0; w < w1; w++) {
            const base = ((b * H + h) * W + w) * C;
            if (first) {
              for (let c = 0; c < C; c++) {
                best[c] = xv[base + c] as number;
                arg[c] = base + c;
              }
              first = false;
              continue;
            }
            for (let c = 0; c < C; c++) {
              const v = xv[base + c] as number;
              // Strictly greater: the first maximum in scan order wins, as on the cpu backend.
              if (v > (best[c] as number)) {
                best[c] = v;
                arg[c] = base + c;
              }
            }
          }
        }
        const gBase = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          const i = arg[c] as number;
          out[i] = (out[i] as number) + (g[gBase + c] as number);
        }
      }
    }
  }
  return dx;
}

/** Registration record; replaces the backend's own kernel. */
export function maxPoolGradWasmConfig(): tf.KernelConfig {
  return { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc };
}
