/**
 * Fused LSTM / GRU layers over a whole sequence: one call per layer and direction instead of tfjs's
 * ~15 small kernels per time step.
 *
 * - The input projection x·W + b of all time steps is one matmul (tfjs-wasm's XNNPACK).
 * - The recurrence (h·U, gates, cell update) of all T steps runs in one call of shopfloor's own
 *   WebAssembly module (asm/rnn.ts, AssemblyScript with 128-bit SIMD, built by `npm run build` into
 *   build/wasm/rnn.wasm), on buffers laid out in that module's memory: one copy in and one copy out
 *   per layer call, none per time step.
 * - Backward through time is likewise one call, which returns the gradient of x·W + b for every step
 *   and the recurrent kernel's gradient; the input and bias gradients are again single XNNPACK matmuls.
 *
 * The ops are `tf.customGrad` functions, so autograd (model.fit, variableGrads) uses them unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

/** The slice of the WebAssembly JS API used here (TypeScript's ES2023 lib without DOM does not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface RnnExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  heapBase(): number;
  gemm(M: number, N: number, K: number, a: number, rsA: number, csA: number, b: number, ldb: number, c: number, ldc: number): void;
  lstmForward(B: number, T: number, H: number, xp: number, u: number, hs: number, cs: number): void;
  lstmBackward(B: number, T: number, H: number, gates: number, cs: number, hs: number, ut: number, dy: number, seq: number, dg: number, du: number, dh: number, dc: number): void;
  gruForward(B: number, T: number, H: number, xp: number, u: number, hs: number, rh: number): void;
  gruBackward(B: number, T: number, H: number, gates: number, hs: number, rh: number, ut: number, dy: number, seq: number, dg: number, du: number, dh: number, drh: number): void;
}

/** Where `npm run build:wasm` puts the module: <package root>/build/wasm/rnn.wasm (same depth from src/ and dist/). */
export const RNN_WASM_URL = new URL('../../../../build/wasm/rnn.wasm', import.meta.url);

let mod: RnnExports | null = null;
let loadError: string | null = null;

/**
 * The fused-RNN wasm module, instantiated on first use (synchronously: layers call it from `call`).
 * Returns null when the .wasm is missing or fails to load; {@link fusedRnnUnavailable} says why.
 */
export function rnnModule(): RnnExports | null {
  if (mod || loadError) return mod;
  const file = fileURLToPath(RNN_WASM_URL);
  try {
    if (!existsSync(file)) throw new Error(`${file} not found: run \`npm run build\` (or \`npm run build:wasm\`) to compile asm/rnn.ts`);
    const instance = new WA.Instance(new WA.Module(readFileSync(file)), { env: { abort: wasmAbort } });
    mod = instance.exports as unknown as RnnExports;
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
  }
  return mod;
}

function wasmAbort(): never {
  throw new Error('shopfloor rnn.wasm: abort');
}

/** Why the fused kernels are not available (null when they are, or before the first attempt). */
export function fusedRnnUnavailable(): string | null {
  rnnModule();
  return loadError;
}

/** Lay out `sizes` (float counts) from the module's heap base, 16-byte aligned; grows the memory. */
function layout(m: RnnExports, sizes: number[]): { offs: number[]; f32: Float32Array } {
  let p = m.heapBase();
  const offs: number[] = [];
  for (const n of sizes) {
    offs.push(p);
    p += Math.ceil((n * 4) / 16) * 16;
  }
  const need = p - m.memory.buffer.byteLength;
  if (need > 0) m.memory.grow(Math.ceil(need / 65536));
  return { offs, f32: new Float32Array(m.memory.buffer) };
}

function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j] as number;
  return t;
}

/** Rows [b, T-1, :] of a [B, T, H] array. */
function lastStep(hs: Float32Array, B: number, T: number, H: number): Float32Array {
  const out = new Float32Array(B * H);
  for (let b = 0; b < B; b++) out.set(hs.subarray((b * T + T - 1) * H, (b * T + T) * H), b * H);
  return out;
}

type Kind = 'lstm' | 'gru';

/**
 * One recurrent layer over a batch of sequences with zero initial state: `x` [B,T,F], `kernel` [F,gH],
 * `recurrentKernel` [H,gH], `bias` [gH] (g = 4 for LSTM, 3 for GRU; tfjs-layers gate order and
 * activations tanh / logistic sigmoid). Returns [B,T,H] (`returnSequences`) or the last step [B,H].
 * @throws Error when the wasm module is not built (check {@link fusedRnnUnavailable} first).
 */
export function fusedRnn(kind: Kind, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor, returnSequences: boolean): tf.Tensor {
  const m = rnnModule();
  if (!m) throw new Error(`shopfloor fused ${kind}: ${loadError ?? 'wasm module unavailable'}`);
  const [B, T, F] = x.shape as [number, number, number];
  const H = recurrentKernel.shape[0] as number;
  const gH = (kind === 'lstm' ? 4 : 3) * H;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, k, u, bi] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const xp = tf.tidy(() => tf.add(tf.matMul(tf.reshape(xi as tf.Tensor, [B * T, F]), k as tf.Tensor), bi as tf.Tensor));
    const xpData = xp.dataSync() as Float32Array;
    xp.dispose();
    const uData = (u as tf.Tensor).dataSync() as Float32Array;
    const { offs, f32 } = layout(m, [B * T * gH, H * gH, B * T * H, B * T * H]);
    const [oXp, oU, oH, oAux] = offs as [number, number, number, number];
    f32.set(xpData, oXp >> 2);
    f32.set(uData, oU >> 2);
    if (kind === 'lstm') m.lstmForward(B, T, H, oXp, oU, oH, oAux);
    else m.gruForward(B, T, H, oXp, oU, oH, oAux);
    const gates = f32.slice(oXp >> 2, (oXp >> 2) + B * T * gH);
    const hs = f32.slice(oH >> 2, (oH >> 2) + B * T * H);
    const aux = f32.slice(oAux >> 2, (oAux >> 2) + B * T * H);
    const value = returnSequences ? tf.tensor3d(hs, [B, T, H]) : tf.tensor2d(lastStep(hs, B, T, H), [B, H]);
    save([xi as tf.Tensor, k as tf.Tensor]);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ks] = saved as [tf.Tensor, tf.Tensor];
      const dyData = (dy as tf.Tensor).dataSync() as Float32Array;
      const ut = transposed(uData, H, gH);
      const mm = m;
      const l = layout(mm, [B * T * gH, B * T * H, B * T * H, gH * H, dyData.length, B * T * gH, H * gH, B * H, B * H]);
      const [pG, pA, pH, pUt, pDy, pDg, pDu, pS1, pS2] = l.offs as [number, number, number, number, number, number, number, number, number];
      l.f32.set(gates, pG >> 2);
      l.f32.set(aux, pA >> 2);
      l.f32.set(hs, pH >> 2);
      l.f32.set(ut, pUt >> 2);
      l.f32.set(dyData, pDy >> 2);
      const seq = returnSequences ? 1 : 0;
      if (kind === 'lstm') mm.lstmBackward(B, T, H, pG, pA, pH, pUt, pDy, seq, pDg, pDu, pS1, pS2);
      else mm.gruBackward(B, T, H, pG, pH, pA, pUt, pDy, seq, pDg, pDu, pS1, pS2);
      const dg = tf.tensor2d(l.f32.slice(pDg >> 2, (pDg >> 2) + B * T * gH), [B * T, gH]);
      const du = tf.tensor2d(l.f32.slice(pDu >> 2, (pDu >> 2) + H * gH), [H, gH]);
      const x2 = tf.reshape(xs, [B * T, F]);
      const dx = tf.reshape(tf.matMul(dg, ks, false, true), [B, T, F]);
      const dk = tf.matMul(x2, dg, true, false);
      const db = tf.sum(dg, 0);
      return [dx, dk, du, db];
    };
    return { value, gradFunc };
  });
  return op(x, kernel, recurrentKernel, bias);
}
