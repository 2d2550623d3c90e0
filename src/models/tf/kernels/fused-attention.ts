/**
 * Fused multi-head self-attention: the whole block — Q, K, V projections, per-head scaled dot-product
 * attention softmax(Q·Kᵀ/√dk)·V, output projection — as one custom-gradient op whose forward and
 * backward passes are single calls into shopfloor's WebAssembly module (asm/attention.ts, loaded by
 * ./wasm-module.ts), instead of ~40 tfjs kernels (matmuls, reshapes, head transposes, softmax) and
 * their gradients.
 *
 * The forward pass keeps what the backward pass needs (x, the projected Q|K|V, the attention weights
 * and the per-head context) in the module's memory until the gradient is taken; per call there is
 * one copy in (x, weights; dy) and one copy out (y; the gradients). With `threads` ≥ 2 the batch rows
 * are split with the module's worker thread (one hand-off per call); the weight-gradient partial
 * sums are added on return. On one thread the backward pass still sums the same two halves, so the
 * results do not depend on the thread count (seeded runs are reproducible bit for bit).
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './wasm-ops.js';
import { alloc, evictOld, f32, free, kernelModule, kernelsUnavailable, runSplit, partialSums } from './wasm-module.js';

function tapeOn(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return state?.gradientDepth === undefined ? true : state.gradientDepth > 0;
}

/** SHOPFLOOR_FUSED_TRANSFORMER=0 turns the fused attention, layer-norm and feed-forward ops off (for A/B runs). */
function fusedOff(): boolean {
  return process.env['SHOPFLOOR_FUSED_TRANSFORMER'] === '0';
}

/**
 * Whether {@link fusedSelfAttention} can run here: wasm backend, and a kernel module that has the
 * attention kernels (a build/wasm/kernels.wasm older than asm/attention.ts does not).
 */
export function fusedAttentionAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (fusedOff()) return false;
  const m = kernelModule();
  return m !== null && typeof m.ex['mhaForward'] === 'function' && typeof m.ex['mhaBackward'] === 'function' && typeof m.ex['transpose'] === 'function';
}

/** The weights of one attention block: [d, d] matrices and [d] biases. */
export interface AttentionWeights {
  wq: tf.Tensor;
  wk: tf.Tensor;
  wv: tf.Tensor;
  wo: tf.Tensor;
  bq: tf.Tensor;
  bk: tf.Tensor;
  bv: tf.Tensor;
  bo: tf.Tensor;
}

/**
 * Multi-head self-attention of `x` [B, T, d] with `heads` heads (d a multiple of heads): returns
 * [B, T, d] = concat_h(softmax(Q_h·K_hᵀ/√dk)·V_h)·Wo + bo with Q = x·Wq + bq etc. — the function of
 * `MultiHeadSelfAttention` in ../transformer.ts. Differentiable in x and all eight weights.
 * Tensors must live on the wasm backend.
 * @throws Error when the wasm module is not built (check {@link fusedAttentionAvailable} first).
 */
export function fusedSelfAttention(x: tf.Tensor, w: AttentionWeights, heads: number): tf.Tensor {
  const m = kernelModule();
  if (!m) throw new Error(`shopfloor fused attention: ${kernelsUnavailable() ?? 'wasm module unavailable'}`);
  const [B, T, d] = x.shape as [number, number, number];
  if (d % heads !== 0) throw new Error(`shopfloor fused attention: width ${d} is not a multiple of heads ${heads}`);
  const dk = d / heads;
  const d3 = 3 * d;
  const R = B * T;
  const TT = T * T;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, wq, wk, wv, wo, bq, bk, bv, bo] = args as tf.Tensor[] as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const backend = tf.backend() as unknown as WasmBackendLike;
    const keep = tapeOn();
    // saved: x, qkv, p, ctx, W_qkv, b_qkv, Wo, bo; then out and two scratch areas (one per thread)
    const { region, offs } = alloc(m, [R * d, R * d3, B * heads * TT, R * d, d * d3, d3, d * d, d, R * d, dk * T, dk * T]);
    const [oX, oQkv, oP, oCtx, oW, oB, oWo, oBo, oOut, oS1, oS2] = offs as [number, number, number, number, number, number, number, number, number, number, number];
    const mem = f32(m);
    mem.set(heapF32(backend, xi), oX >> 2);
    // W_qkv [d, 3d]: row r = [Wq[r] | Wk[r] | Wv[r]]
    const parts = [heapF32(backend, wq), heapF32(backend, wk), heapF32(backend, wv)];
    for (let r = 0; r < d; r++) {
      for (let p = 0; p < 3; p++) mem.set((parts[p] as Float32Array).subarray(r * d, r * d + d), (oW >> 2) + r * d3 + p * d);
    }
    mem.set(heapF32(backend, bq), oB >> 2);
    mem.set(heapF32(backend, bk), (oB >> 2) + d);
    mem.set(heapF32(backend, bv), (oB >> 2) + 2 * d);
    mem.set(heapF32(backend, wo), oWo >> 2);
    mem.set(heapF32(backend, bo), oBo >> 2);
    runSplit(m, 'mhaForward', B, (b0, nb, part) => [
      nb, T, d, heads,
      oX + b0 * T * d * 4, oW, oB, oWo, oBo,
      oQkv + b0 * T * d3 * 4, oP + b0 * heads * TT * 4, oCtx + b0 * T * d * 4, oOut + b0 * T * d * 4,
      part ? oS2 : oS1,
    ]);
    const value = tf.tensor3d(f32(m).subarray(oOut >> 2, (oOut >> 2) + R * d), [B, T, d]);
    if (!keep) {
      free(region);
      return { value, gradFunc: () => [] as tf.Tensor[] };
    }
    evictOld();
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      if (!region.live) throw new Error('shopfloor fused attention: the saved forward state was dropped (more than 64 forward passes without backward)');
      const t = alloc(m, [R * d, d3 * d, d * d, R * d3, R * d, d * d3, d * d3, d3, d3, d * d, d * d, d, d, R * d, TT + dk * T, TT + dk * T]);
      const [pDy, pWt, pWot, pDqkv, pDctx, pDw, pDw2, pDb, pDb2, pDwo, pDwo2, pDbo, pDbo2, pDx, pS1, pS2] = t.offs as number[] as [
        number, number, number, number, number, number, number, number, number, number, number, number, number, number, number, number,
      ];
      f32(m).set(heapF32(tf.backend() as unknown as WasmBackendLike, dy as tf.Tensor), pDy >> 2);
      const tr = m.ex['transpose'];
      if (!tr) throw new Error("shopfloor kernels.wasm: no export 'transpose' (rebuild with npm run build:wasm)");
      tr(d, d3, oW, pWt);
      tr(d, d, oWo, pWot);
      const split = runSplit(m, 'mhaBackward', B, (b0, nb, part) => {
        const r = (o: number, n: number): number => o + b0 * n * 4;
        return [
          nb, T, d, heads,
          r(oX, T * d), pWt, pWot, r(oQkv, T * d3), r(oP, heads * TT), r(oCtx, T * d), r(pDy, T * d),
          r(pDqkv, T * d3), r(pDctx, T * d),
          part ? pDw2 : pDw, part ? pDb2 : pDb, part ? pDwo2 : pDwo, part ? pDbo2 : pDbo,
          r(pDx, T * d), part ? pS2 : pS1,
        ];
      }, 16, true);
      const mm = f32(m);
      const sum = (a: number, b: number, n: number): Float32Array => partialSums(m, split, a, b, n);
      const dW = sum(pDw, pDw2, d * d3);
      const dB = sum(pDb, pDb2, d3);
      const block = (p: number): tf.Tensor => {
        const o = new Float32Array(d * d);
        for (let r = 0; r < d; r++) o.set(dW.subarray(r * d3 + p * d, r * d3 + p * d + d), r * d);
        return tf.tensor2d(o, [d, d]);
      };
      const grads = [
        tf.tensor3d(mm.subarray(pDx >> 2, (pDx >> 2) + R * d), [B, T, d]),
        block(0),
        block(1),
        block(2),
        tf.tensor2d(sum(pDwo, pDwo2, d * d), [d, d]),
        tf.tensor1d(dB.slice(0, d)),
        tf.tensor1d(dB.slice(d, 2 * d)),
        tf.tensor1d(dB.slice(2 * d, 3 * d)),
        tf.tensor1d(sum(pDbo, pDbo2, d)),
      ];
      free(t.region);
      free(region);
      return grads;
    };
    return { value, gradFunc };
  });
  return op(x, w.wq, w.wk, w.wv, w.wo, w.bq, w.bk, w.bv, w.bo);
}

/** Whether {@link fusedLayerNorm} can run here (wasm backend, module with the layer-norm kernels). */
export function fusedLayerNormAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (fusedOff()) return false;
  const m = kernelModule();
  return m !== null && typeof m.ex['layerNormForward'] === 'function' && typeof m.ex['layerNormBackward'] === 'function';
}

/**
 * Layer normalisation of `x` over its last axis (width n): (x − mean)/√(var + eps)·gamma + beta, as
 * one fused wasm op per direction (asm/attention.ts), rows split over two threads when there are
 * enough of them. Differentiable in x, gamma [n] and beta [n]. Tensors must live on the wasm backend.
 */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const m = kernelModule();
  if (!m) throw new Error(`shopfloor fused layer norm: ${kernelsUnavailable() ?? 'wasm module unavailable'}`);
  const n = x.shape[x.rank - 1] as number;
  const rows = x.size / n;
  const shape = x.shape;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, g, b] = args as [tf.Tensor, tf.Tensor, tf.Tensor];
    const backend = tf.backend() as unknown as WasmBackendLike;
    const keep = tapeOn();
    // x is copied into y's buffer (the kernel reads a row before writing it)
    const { region, offs } = alloc(m, [rows * n, rows * n, rows, n, n, 1]);
    const [oY, oH, oR, oG, oB, oE] = offs as [number, number, number, number, number, number];
    const mem = f32(m);
    mem.set(heapF32(backend, xi), oY >> 2);
    mem.set(heapF32(backend, g), oG >> 2);
    mem.set(heapF32(backend, b), oB >> 2);
    mem[oE >> 2] = epsilon;
    runSplit(m, 'layerNormForward', rows, (r0, nr) => [nr, n, oY + r0 * n * 4, oG, oB, oE, oY + r0 * n * 4, oH + r0 * n * 4, oR + r0 * 4], 512);
    const value = tf.tensor(f32(m).subarray(oY >> 2, (oY >> 2) + rows * n), shape);
    if (!keep) {
      free(region);
      return { value, gradFunc: () => [] as tf.Tensor[] };
    }
    evictOld();
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      if (!region.live) throw new Error('shopfloor fused layer norm: the saved forward state was dropped (more than 64 forward passes without backward)');
      const t = alloc(m, [rows * n, n, n, n, n]);
      const [pD, pG1, pB1, pG2, pB2] = t.offs as [number, number, number, number, number];
      f32(m).set(heapF32(tf.backend() as unknown as WasmBackendLike, dy as tf.Tensor), pD >> 2);
      // dx overwrites dy in place (row by row, after the row is read)
      const split = runSplit(m, 'layerNormBackward', rows, (r0, nr, part) => [nr, n, oH + r0 * n * 4, oR + r0 * 4, oG, pD + r0 * n * 4, pD + r0 * n * 4, part ? pG2 : pG1, part ? pB2 : pB1], 512, true);
      const mm = f32(m);
      const sum = (a: number, c: number): Float32Array => partialSums(m, split, a, c, n);
      const grads = [tf.tensor(mm.subarray(pD >> 2, (pD >> 2) + rows * n), shape), tf.tensor1d(sum(pG1, pG2)), tf.tensor1d(sum(pB1, pB2))];
      free(t.region);
      free(region);
      return grads;
    };
    return { value, gradFunc };
  });
  return op(x, gamma, beta);
}

/** Whether {@link fusedFeedForward} can run here (wasm backend, module with the feed-forward kernels). */
export function fusedFeedForwardAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (fusedOff()) return false;
  const m = kernelModule();
  return m !== null && typeof m.ex['ffnForward'] === 'function' && typeof m.ex['ffnBackward'] === 'function' && typeof m.ex['transpose'] === 'function';
}

/**
 * The position-wise feed-forward network of an encoder block, relu(x·W1 + b1)·W2 + b2 over the last
 * axis of `x` (width d; W1 [d, f], W2 [f, d]), as one fused wasm op per direction (asm/attention.ts),
 * rows split over two threads. Replaces two Dense layers whose weight gradients (xᵀ·dy with 7,680
 * rows) went through tfjs's transposed BatchMatMul. Differentiable in x and the four weights.
 */
export function fusedFeedForward(x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor): tf.Tensor {
  const m = kernelModule();
  if (!m) throw new Error(`shopfloor fused feed-forward: ${kernelsUnavailable() ?? 'wasm module unavailable'}`);
  const d = x.shape[x.rank - 1] as number;
  const f = w1.shape[1] as number;
  const rows = x.size / d;
  const shape = x.shape;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, a1, c1, a2, c2] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const backend = tf.backend() as unknown as WasmBackendLike;
    const keep = tapeOn();
    const { region, offs } = alloc(m, [rows * d, d * f, f, f * d, d, rows * f, rows * d]);
    const [oX, oW1, oB1, oW2, oB2, oH, oY] = offs as [number, number, number, number, number, number, number];
    const mem = f32(m);
    mem.set(heapF32(backend, xi), oX >> 2);
    mem.set(heapF32(backend, a1), oW1 >> 2);
    mem.set(heapF32(backend, c1), oB1 >> 2);
    mem.set(heapF32(backend, a2), oW2 >> 2);
    mem.set(heapF32(backend, c2), oB2 >> 2);
    runSplit(m, 'ffnForward', rows, (r0, nr) => [nr, d, f, oX + r0 * d * 4, oW1, oB1, oW2, oB2, oH + r0 * f * 4, oY + r0 * d * 4], 64);
    const value = tf.tensor(f32(m).subarray(oY >> 2, (oY >> 2) + rows * d), shape);
    if (!keep) {
      free(region);
      return { value, gradFunc: () => [] as tf.Tensor[] };
    }
    evictOld();
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      if (!region.live) throw new Error('shopfloor fused feed-forward: the saved forward state was dropped (more than 64 forward passes without backward)');
      const t = alloc(m, [rows * d, f * d, d * f, rows * f, d * f, d * f, f, f, f * d, f * d, d, d, rows * d]);
      const [pDy, pW1t, pW2t, pDh, pDw1, pDw1b, pDb1, pDb1b, pDw2, pDw2b, pDb2, pDb2b, pDx] = t.offs as number[] as [
        number, number, number, number, number, number, number, number, number, number, number, number, number,
      ];
      f32(m).set(heapF32(tf.backend() as unknown as WasmBackendLike, dy as tf.Tensor), pDy >> 2);
      const tr = m.ex['transpose'] as (...a: number[]) => void;
      tr(d, f, oW1, pW1t);
      tr(f, d, oW2, pW2t);
      const split = runSplit(
        m,
        'ffnBackward',
        rows,
        (r0, nr, part) => [
          nr, d, f, oX + r0 * d * 4, pW1t, pW2t, oH + r0 * f * 4, pDy + r0 * d * 4, pDh + r0 * f * 4,
          part ? pDw1b : pDw1, part ? pDb1b : pDb1, part ? pDw2b : pDw2, part ? pDb2b : pDb2, pDx + r0 * d * 4,
        ],
        64,
        true,
      );
      const mm = f32(m);
      const sum = (a: number, b: number, n: number): Float32Array => partialSums(m, split, a, b, n);
      const grads = [
        tf.tensor(mm.subarray(pDx >> 2, (pDx >> 2) + rows * d), shape),
        tf.tensor2d(sum(pDw1, pDw1b, d * f), [d, f]),
        tf.tensor1d(sum(pDb1, pDb1b, f)),
        tf.tensor2d(sum(pDw2, pDw2b, f * d), [f, d]),
        tf.tensor1d(sum(pDb2, pDb2b, d)),
      ];
      free(t.region);
      free(region);
      return grads;
    };
    return { value, gradFunc };
  });
  return op(x, w1, b1, w2, b2);
}
