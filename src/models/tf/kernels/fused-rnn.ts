/**
 * Fused LSTM / GRU layers over a whole sequence: one call per layer and direction instead of tfjs's
 * ~15 small kernels per time step.
 *
 * Everything runs in shopfloor's own WebAssembly module (asm/rnn.ts, AssemblyScript with 128-bit
 * SIMD, built by `npm run build` into build/wasm/rnn.wasm), on buffers in that module's memory:
 * - forward: x·W + b for all steps (one GEMM), then the recurrence (h·U, gates, cell update) of all T
 *   steps; the activations it needs later stay in the module's memory until the backward pass;
 * - backward through time: gate gradients, dU, then dW = xᵀ·dg, db, dx = dg·Wᵀ (GEMMs), one call.
 * Per layer call there is one copy in (x, weights; dy) and one copy out (h; the gradients), none per
 * time step.
 *
 * Two cores: the batch rows are independent, so with `threads` ≥ 2 a worker thread runs the same
 * module on the same (shared) memory for the second half of the batch: one hand-off per layer call,
 * no synchronisation per time step. Its weight-gradient partial sums are added on return.
 *
 * The ops are `tf.customGrad` functions, so autograd (model.fit, variableGrads) uses them unchanged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './wasm-ops.js';

/** The slice of the WebAssembly JS API used here (TypeScript's ES2023 lib without DOM does not declare it). */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Fn = (...args: number[]) => void;
interface RnnExports {
  heapBase(): number;
  gemm: Fn;
  lstmLayerForward: Fn;
  lstmLayerBackward: Fn;
  gruLayerForward: Fn;
  gruLayerBackward: Fn;
}
const JOBS = ['lstmLayerForward', 'lstmLayerBackward', 'gruLayerForward', 'gruLayerBackward'] as const;
type Job = (typeof JOBS)[number];

/**
 * Where `npm run build:wasm` puts the module: <package root>/build/wasm/rnn.wasm (same depth from src/
 * and dist/). The environment variable SHOPFLOOR_RNN_WASM overrides the path (tests use it).
 */
export const RNN_WASM_URL = new URL('../../../../build/wasm/rnn.wasm', import.meta.url);

const MAX_PAGES = 32768; // 2 GiB: pointers stay below 2^31

interface Module {
  ex: RnnExports;
  memory: WasmMemory;
  bytes: Uint8Array;
  base: number;
  ctrl: Int32Array;
}

let mod: Module | null = null;
let loadError: string | null = null;
let threadsWanted = 1;
let worker: Worker | null = null;
let jobSeq = 0;

/**
 * The fused-RNN wasm module, instantiated on first use (synchronously: layers call it from `call`).
 * Returns null when the .wasm is missing or fails to load; {@link fusedRnnUnavailable} says why.
 */
function rnnModule(): Module | null {
  if (mod || loadError) return mod;
  const file = process.env['SHOPFLOOR_RNN_WASM'] ?? fileURLToPath(RNN_WASM_URL);
  try {
    if (!existsSync(file)) throw new Error(`${file} not found: run \`npm run build\` (or \`npm run build:wasm\`) to compile asm/rnn.ts`);
    const bytes = readFileSync(file);
    const memory = new WA.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const instance = new WA.Instance(new WA.Module(bytes), { env: { memory, abort: wasmAbort } });
    const ex = instance.exports as unknown as RnnExports;
    const ctrlOff = ex.heapBase();
    mod = { ex, memory, bytes, base: ctrlOff + 256, ctrl: new Int32Array(memory.buffer, ctrlOff, 64) };
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
  }
  return mod;
}

function wasmAbort(): never {
  throw new Error('shopfloor rnn.wasm: abort');
}

/** Why the fused kernels are not available (null when they are). */
export function fusedRnnUnavailable(): string | null {
  rnnModule();
  return loadError;
}

/**
 * Threads for the fused kernels (1 or 2: the batch is split in two halves). Called by initBackend
 * with its `threads` option (default: the number of cores).
 */
export function setFusedRnnThreads(n: number): void {
  threadsWanted = Math.max(1, Math.min(2, Math.floor(n)));
}

/** Threads the fused kernels use now (2 only once the worker has started). */
export function fusedRnnThreads(): number {
  return threadsWanted >= 2 && worker && mod && Atomics.load(mod.ctrl, 3) === 1 ? 2 : 1;
}

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, ctrlOff, jobs } = workerData;
const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory, abort() { throw new Error('rnn.wasm abort'); } } }).exports;
const c = new Int32Array(memory.buffer, ctrlOff, 64);
Atomics.store(c, 3, 1);
let seen = Atomics.load(c, 0);
for (;;) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  if (c[1] < 0) break;
  const args = [];
  for (let i = 0; i < c[2]; i++) args.push(c[8 + i]);
  let status = 0;
  try { ex[jobs[c[1]]](...args); } catch (e) { status = 1; }
  c[4] = status;
  Atomics.store(c, 5, seen);
  Atomics.notify(c, 5);
}
`;

function ensureWorker(m: Module): boolean {
  if (threadsWanted < 2) return false;
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes: m.bytes, memory: m.memory, ctrlOff: m.ctrl.byteOffset, jobs: JOBS } });
    worker.unref();
    worker.on('error', (e) => {
      console.warn(`shopfloor: fused RNN worker thread failed (${e.message}); continuing on one thread.`);
      threadsWanted = 1;
    });
  }
  return Atomics.load(m.ctrl, 3) === 1;
}

/**
 * Run `job` over batch rows [0, B): split in two halves between this thread and the worker when
 * there is one (and the batch is big enough to pay for the hand-off), else all here.
 */
function runSplit(m: Module, job: Job, B: number, args: (b0: number, nb: number, part: number) => number[]): void {
  if (B >= 16 && ensureWorker(m)) {
    const bMain = B >> 1;
    const a2 = args(bMain, B - bMain, 1);
    const c = m.ctrl;
    c[1] = JOBS.indexOf(job);
    c[2] = a2.length;
    a2.forEach((v, i) => (c[8 + i] = v));
    const seq = (jobSeq = (jobSeq + 1) | 0);
    Atomics.store(c, 0, seq);
    Atomics.notify(c, 0);
    m.ex[job](...args(0, bMain, 0));
    for (let done = Atomics.load(c, 5); done !== seq; done = Atomics.load(c, 5)) Atomics.wait(c, 5, done);
    if (c[4] !== 0) throw new Error(`shopfloor rnn.wasm: ${job} failed in the worker thread`);
    return;
  }
  m.ex[job](...args(0, B, 0));
}

// --- memory: a stack of regions (forward state lives until its backward pass) ---------------------

interface Region {
  start: number;
  end: number;
  live: boolean;
}
const regions: Region[] = [];
/** Forward states kept for a backward pass that may never come (e.g. a frozen layer): oldest dropped beyond this. */
const MAX_SAVED = 64;

function alloc(m: Module, floats: number[]): { region: Region; offs: number[] } {
  let p = regions.length ? (regions[regions.length - 1] as Region).end : m.base;
  const start = p;
  const offs: number[] = [];
  for (const n of floats) {
    offs.push(p);
    p += Math.ceil((n * 4) / 64) * 64;
  }
  if (p > MAX_PAGES * 65536) throw new Error('shopfloor fused RNN: more than 2 GiB of activations; use a smaller batch');
  const need = p - m.memory.buffer.byteLength;
  if (need > 0) m.memory.grow(Math.ceil(need / 65536));
  const region = { start, end: p, live: true };
  regions.push(region);
  return { region, offs };
}

function free(region: Region): void {
  region.live = false;
  while (regions.length && !(regions[regions.length - 1] as Region).live) regions.pop();
}

function evictOld(): void {
  const live = regions.filter((r) => r.live);
  if (live.length > MAX_SAVED) (live[0] as Region).live = false;
}

function f32(m: Module): Float32Array {
  return new Float32Array(m.memory.buffer);
}

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
 * @throws Error when the wasm module is not built (check {@link fusedRnnUnavailable} first).
 */
export function fusedRnn(kind: Kind, x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor, returnSequences: boolean): tf.Tensor {
  const m = rnnModule();
  if (!m) throw new Error(`shopfloor fused ${kind}: ${loadError ?? 'wasm module unavailable'}`);
  const [B, T, F] = x.shape as [number, number, number];
  const H = recurrentKernel.shape[0] as number;
  const gH = (kind === 'lstm' ? 4 : 3) * H;
  const BT = B * T;
  const op = tf.customGrad((...args: unknown[]) => {
    const [xi, w, u, bi] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const backend = tf.backend() as unknown as WasmBackendLike;
    const keep = tapeOn();
    // saved for backward: x, Wᵀ, Uᵀ, gates, h, c (LSTM) or r∘h (GRU); then W, b, U for this call
    const { region, offs } = alloc(m, [BT * F, gH * F, gH * H, BT * gH, BT * H, BT * H, F * gH, gH, H * gH]);
    const [oX, oWt, oUt, oG, oH, oA, oW, oB, oU] = offs as [number, number, number, number, number, number, number, number, number];
    let mem = f32(m);
    const wData = heapF32(backend, w);
    const uData = heapF32(backend, u);
    mem.set(heapF32(backend, xi), oX >> 2);
    mem.set(wData, oW >> 2);
    mem.set(heapF32(backend, bi), oB >> 2);
    mem.set(uData, oU >> 2);
    if (keep) {
      transposeInto(mem, oWt >> 2, wData, F, gH);
      transposeInto(mem, oUt >> 2, uData, H, gH);
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
      return { value, gradFunc: () => [] as tf.Tensor[] };
    }
    evictOld();
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      if (!region.live) throw new Error('shopfloor fused RNN: the saved forward state was dropped (more than 64 forward passes without backward)');
      const dyT = dy as tf.Tensor;
      const dyLen = dyT.size;
      const t = alloc(m, [dyLen, BT * gH, H * gH, H * gH, F * gH, F * gH, gH, gH, BT * F, B * H, B * H]);
      const [pDy, pDg, pDu, pDu2, pDw, pDw2, pDb, pDb2, pDx, pS1, pS2] = t.offs as number[] as [number, number, number, number, number, number, number, number, number, number, number];
      f32(m).set(heapF32(tf.backend() as unknown as WasmBackendLike, dyT), pDy >> 2);
      const seq = returnSequences ? 1 : 0;
      const dyRow = returnSequences ? T * H : H;
      const bwd: Job = kind === 'lstm' ? 'lstmLayerBackward' : 'gruLayerBackward';
      let split = false;
      runSplit(m, bwd, B, (b0, nb, part) => {
        if (part === 1) split = true;
        const r = (o: number, n: number): number => o + b0 * n * 4;
        return [nb, T, F, H, r(oX, T * F), oWt, r(oG, T * gH), r(oA, T * H), r(oH, T * H), oUt, r(pDy, dyRow), seq, r(pDg, T * gH), part ? pDu2 : pDu, part ? pDw2 : pDw, part ? pDb2 : pDb, r(pDx, T * F), r(pS1, H), r(pS2, H)];
      });
      const mm = f32(m);
      const sum = (a: number, b: number, n: number): Float32Array => {
        const out = mm.slice(a >> 2, (a >> 2) + n);
        if (split) for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (mm[(b >> 2) + i] as number);
        return out;
      };
      const grads = [
        tf.tensor3d(mm.subarray(pDx >> 2, (pDx >> 2) + BT * F), [B, T, F]),
        tf.tensor2d(sum(pDw, pDw2, F * gH), [F, gH]),
        tf.tensor2d(sum(pDu, pDu2, H * gH), [H, gH]),
        tf.tensor1d(sum(pDb, pDb2, gH)),
      ];
      free(t.region);
      free(region);
      return grads;
    };
    return { value, gradFunc };
  });
  return op(x, kernel, recurrentKernel, bias);
}
