/**
 * Fused LSTM / GRU layers over a whole sequence: one call per layer and direction instead of tfjs's
 * ~15 small kernels per time step.
 *
 * Everything runs in shopfloor's own WebAssembly module (asm/rnn.ts, AssemblyScript with 128-bit
 * SIMD, re-exported by asm/index.ts and built by `npm run build` into build/wasm/kernels.wasm; loaded
 * by ./wasm-module.ts), on buffers in that module's memory:
 * - forward: x·W + b for all steps (one GEMM), then the recurrence (h·U, gates, cell update) of all T
 *   steps; the activations it needs later stay in the module's memory until the backward pass;
 * - backward through time: gate gradients, dU, then dW = xᵀ·dg, db, dx = dg·Wᵀ (GEMMs), one call.
 * Per layer call there is one copy in (x, weights; dy) and one copy out (h; the gradients), none per
 * time step.
 *
 * Two cores: the batch rows are independent, so with `threads` ≥ 2 a worker thread runs the same
 * module on the same (shared) memory for the second half of the batch: one hand-off per layer call,
 * no synchronisation per time step. Its weight-gradient partial sums are added on return; on one
 * thread the backward pass sums the same two halves, so results do not depend on the thread count.
 *
 * The op records itself on tfjs's tape like `tf.customGrad` does (engine.runKernelFunc with a
 * backward function), so autograd (model.fit, variableGrads, tf.grad) uses it unchanged; unlike
 * customGrad its gradients are lazy per input, so when autograd does not ask for the input gradient
 * (the first layer of a network, whose input is data) the backward pass skips dx = dg·Wᵀ.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './wasm-ops.js';
import { alloc, evictOld, f32, free, kernelModule, kernelsUnavailable, runSplit, partialSums, type Region } from './wasm-module.js';

type Job = 'lstmLayerForward' | 'lstmLayerBackward' | 'gruLayerForward' | 'gruLayerBackward';

function transposeInto(dst: Float32Array, at: number, a: Float32Array, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) dst[at + j * rows + i] = a[i * cols + j] as number;
}

function tapeOn(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return state?.gradientDepth === undefined ? true : state.gradientDepth > 0;
}

type Kind = 'lstm' | 'gru';

/**
 * One recurrent layer over a batch of sequences with zero initial state: `x` [B,T,F], `kernel` [F,gH],
 * `recurrentKernel` [H,gH], `bias` [gH] (g = 4 for LSTM, 3 for GRU; tfjs-layers gate order and
 * activations tanh / logistic sigmoid). Returns [B,T,H] (`returnSequences`) or the last step [B,H].
 * Tensors must live on the wasm backend.
 * @throws Error when the wasm module is not built (check {@link kernelsUnavailable} first).
 */
export function fusedRnn(kind: Kind, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor, returnSequences: boolean): tf.Tensor {
  const m = kernelModule();
  if (!m) throw new Error(`shopfloor fused ${kind}: ${kernelsUnavailable() ?? 'wasm module unavailable'}`);
  const [B, T, F] = x.shape as [number, number, number];
  const H = recurrentKernel.shape[0] as number;
  const gH = (kind === 'lstm' ? 4 : 3) * H;
  const BT = B * T;
  const forwardFunc = (): tf.Tensor => {
    const backend = tf.backend() as unknown as WasmBackendLike;
    const keep = tapeOn();
    // saved for backward: x, Wᵀ, Uᵀ, gates, h, c (LSTM) or r∘h (GRU); then W, b, U for this call
    const { region, offs } = alloc(m, [BT * F, gH * F, gH * H, BT * gH, BT * H, BT * H, F * gH, gH, H * gH]);
    const [oX, oWt, oUt, oG, oH, oA, oW, oB, oU] = offs as [number, number, number, number, number, number, number, number, number];
    let mem = f32(m);
    const wData = heapF32(backend, kernel);
    const uData = heapF32(backend, recurrentKernel);
    mem.set(heapF32(backend, x), oX >> 2);
    mem.set(wData, oW >> 2);
    mem.set(heapF32(backend, bias), oB >> 2);
    mem.set(uData, oU >> 2);
    if (keep) {
      // Wᵀ and Uᵀ for the backward pass: in wasm (asm/attention.ts) when the module has it
      const tr = m.ex['transpose'];
      if (tr) {
        tr(F, gH, oW, oWt);
        tr(H, gH, oU, oUt);
      } else {
        transposeInto(mem, oWt >> 2, wData, F, gH);
        transposeInto(mem, oUt >> 2, uData, H, gH);
      }
    }
    const fwd: Job = kind === 'lstm' ? 'lstmLayerForward' : 'gruLayerForward';
    runSplit(m, fwd, B, (b0, nb) => [nb, T, F, H, oX + b0 * T * F * 4, oW, oB, oU, oG + b0 * T * gH * 4, oH + b0 * T * H * 4, oA + b0 * T * H * 4]);
    mem = f32(m);
    let value: tf.Tensor;
    if (returnSequences) {
      value = tf.tensor3d(mem.subarray(oH >> 2, (oH >> 2) + BT * H), [B, T, H]);
    } else {
      const last = new Float32Array(B * H);
      for (let b = 0; b < B; b++) last.set(mem.subarray((oH >> 2) + (b * T + T - 1) * H, (oH >> 2) + (b * T + T) * H), b * H);
      value = tf.tensor2d(last, [B, H]);
    }
    if (!keep) {
      free(region);
      return value;
    }
    evictOld();
    saved = { region, oX, oWt, oG, oH, oA, oUt };
    return value;
  };
  let saved: { region: Region; oX: number; oWt: number; oG: number; oH: number; oA: number; oUt: number } | null = null;
  /** Gradients [dx | null, dW, dU, db], computed once, on the first request (with dx only if that request is for x). */
  let grads: (Float32Array | null)[] | null = null;
  const backward = (dyT: tf.Tensor, needDx: boolean): (Float32Array | null)[] => {
    // a module built before dx could be skipped (no rnnSkipsDx export) always computes it
    const withDx = needDx || !m.ex['rnnSkipsDx'];
    const sv = saved;
    if (!sv || !sv.region.live) throw new Error('shopfloor fused RNN: the saved forward state was dropped (more than 64 forward passes without backward)');
    const { region, oX, oWt, oG, oH, oA, oUt } = sv;
    const t = alloc(m, [dyT.size, BT * gH, H * gH, H * gH, F * gH, F * gH, gH, gH, withDx ? BT * F : 0, B * H, B * H]);
    const [pDy, pDg, pDu, pDu2, pDw, pDw2, pDb, pDb2, pDx, pS1, pS2] = t.offs as number[] as [number, number, number, number, number, number, number, number, number, number, number];
    f32(m).set(heapF32(tf.backend() as unknown as WasmBackendLike, dyT), pDy >> 2);
    const seq = returnSequences ? 1 : 0;
    const dyRow = returnSequences ? T * H : H;
    const bwd: Job = kind === 'lstm' ? 'lstmLayerBackward' : 'gruLayerBackward';
    const split = runSplit(m, bwd, B, (b0, nb, part) => {
      const r = (o: number, n: number): number => o + b0 * n * 4;
      // dx pointer 0: the kernel skips the input gradient
      return [nb, T, F, H, r(oX, T * F), oWt, r(oG, T * gH), r(oA, T * H), r(oH, T * H), oUt, r(pDy, dyRow), seq, r(pDg, T * gH), part ? pDu2 : pDu, part ? pDw2 : pDw, part ? pDb2 : pDb, withDx ? r(pDx, T * F) : 0, r(pS1, H), r(pS2, H)];
    }, 16, true);
    const sum = (a: number, b: number, n: number): Float32Array => partialSums(m, split, a, b, n);
    const out = [withDx ? f32(m).slice(pDx >> 2, (pDx >> 2) + BT * F) : null, sum(pDw, pDw2, F * gH), sum(pDu, pDu2, H * gH), sum(pDb, pDb2, gH)];
    free(t.region);
    free(region);
    saved = null;
    return out;
  };
  const shapes = [[B, T, F], [F, gH], [H, gH], [gH]];
  const backwardsFunc = (dy: tf.Tensor | tf.Tensor[]): Record<string, () => tf.Tensor> => {
    const dyT = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
    // tfjs calls these in the order of the inputs (x first) and only for inputs on a path to the
    // variables asked for: if the first call is not for x, nobody needs dx.
    const get = (i: number) => (): tf.Tensor => {
      grads ??= backward(dyT, i === 0);
      const g = grads[i];
      if (!g) throw new Error('shopfloor fused RNN: the input gradient was requested after the others (not computed)');
      return tf.tensor(g, shapes[i]);
    };
    return { x: get(0), kernel: get(1), recurrentKernel: get(2), bias: get(3) };
  };
  // Engine.runKernelFunc is what tf.customGrad calls (public at runtime, private in tfjs's typings)
  const engine = tf.engine() as unknown as { runKernelFunc(p: { forwardFunc: () => tf.Tensor; backwardsFunc: typeof backwardsFunc; inputs: tf.NamedTensorMap }): tf.Tensor };
  return engine.runKernelFunc({ forwardFunc, backwardsFunc, inputs: { x, kernel, recurrentKernel, bias } });
}
