/**
 * shopfloor's own WebAssembly kernel module: asm/index.ts (AssemblyScript, 128-bit SIMD, shared
 * memory) compiled by `npm run build:wasm` into build/wasm/kernels.wasm. Every fused kernel (LSTM/GRU
 * in asm/rnn.ts, and whatever else asm/index.ts re-exports) lives in this one module, so they share:
 *
 * - one linear memory (shared, growable to 2 GiB) with a list of regions: a forward pass allocates
 *   the state its backward pass needs and frees it there ({@link alloc} / {@link free}); regions are
 *   placed first-fit in the gaps between live ones, so frees in any order leave no stranded memory;
 * - one worker thread running a second instance of the module on the same memory, so a kernel can
 *   split its batch over two cores with one hand-off per call ({@link runSplit});
 * - one load-or-explain path: when the .wasm is missing the callers fall back to tfjs ops and
 *   {@link kernelsUnavailable} says why.
 *
 * Kernels are plain exports of the module, called by name; argument lists are i32/f32 numbers and
 * byte offsets into the module's memory.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';

/** The slice of the WebAssembly JS API used here (TypeScript's ES2023 lib without DOM does not declare it). */
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** A kernel export: numbers in, nothing out (results are written to memory). */
export type KernelFn = (...args: number[]) => void;

/**
 * Where `npm run build:wasm` puts the module: <package root>/build/wasm/kernels.wasm (same depth from
 * src/ and dist/). The environment variable SHOPFLOOR_KERNELS_WASM overrides the path (tests use it).
 */
export const KERNELS_WASM_URL = new URL('../../../../build/wasm/kernels.wasm', import.meta.url);

/**
 * The same kernels compiled with `--enable relaxed-simd` (asm/gemm.ts's multiply-add becomes
 * f32x4.relaxed_madd, a fused multiply-add on CPUs with FMA), when the build produced it. Used instead
 * of kernels.wasm when present and accepted by the runtime (Node 20 needs V8's
 * --experimental-wasm-relaxed-simd, set here before compiling; process-wide, so the worker thread
 * compiles it too); SHOPFLOOR_RELAXED_SIMD=0 or SHOPFLOOR_KERNELS_WASM skips it. Results differ from the
 * plain build by float rounding (one rounding per multiply-add instead of two), the same on one or two
 * threads. A relaxed build older than kernels.wasm is ignored.
 */
export const KERNELS_RELAXED_WASM_URL = new URL('../../../../build/wasm/kernels-relaxed.wasm', import.meta.url);

let variant: 'relaxed-simd' | 'simd' | null = null;

/** Which build of the kernel module is loaded: 'relaxed-simd' (fused multiply-add), 'simd', or null (none). */
export function kernelsVariant(): 'relaxed-simd' | 'simd' | null {
  kernelModule();
  return variant;
}

function relaxedBytes(): Uint8Array | null {
  if (process.env['SHOPFLOOR_KERNELS_WASM'] || process.env['SHOPFLOOR_RELAXED_SIMD'] === '0') return null;
  const file = fileURLToPath(KERNELS_RELAXED_WASM_URL);
  if (!existsSync(file)) return null;
  // never an older build than kernels.wasm (a stale one would lack kernels added since)
  const plain = fileURLToPath(KERNELS_WASM_URL);
  if (existsSync(plain) && statSync(file).mtimeMs < statSync(plain).mtimeMs) return null;
  const bytes = readFileSync(file);
  if (!WA.validate(bytes)) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return null;
    }
    if (!WA.validate(bytes)) return null;
  }
  return bytes;
}

const MAX_PAGES = 32768; // 2 GiB: pointers stay below 2^31

export interface KernelModule {
  /** The module's exports by name. */
  ex: Record<string, KernelFn> & { heapBase(): number };
  memory: WasmMemory;
  bytes: Uint8Array;
  /** First byte free for buffers. */
  base: number;
  /** Control words shared with the worker thread. */
  ctrl: Int32Array;
  /** Names of the function exports, in a fixed order (the worker receives an index into it). */
  names: string[];
}

let mod: KernelModule | null = null;
let loadError: string | null = null;
let threadsWanted = 1;
let worker: Worker | null = null;
let jobSeq = 0;

/**
 * The kernel module, instantiated on first use (synchronously: layers call it from `call`). Returns
 * null when the .wasm is missing or fails to load; {@link kernelsUnavailable} says why.
 */
export function kernelModule(): KernelModule | null {
  if (mod || loadError) return mod;
  const file = process.env['SHOPFLOOR_KERNELS_WASM'] ?? fileURLToPath(KERNELS_WASM_URL);
  try {
    const memory = new WA.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    let bytes = relaxedBytes();
    let instance: { exports: object } | null = null;
    if (bytes) {
      try {
        instance = new WA.Instance(new WA.Module(bytes), { env: { memory, abort: wasmAbort } });
        variant = 'relaxed-simd';
      } catch {
        instance = null;
      }
    }
    if (!instance) {
      if (!existsSync(file)) throw new Error(`${file} not found: run \`npm run build\` (or \`npm run build:wasm\`) to compile asm/index.ts`);
      bytes = readFileSync(file);
      instance = new WA.Instance(new WA.Module(bytes), { env: { memory, abort: wasmAbort } });
      variant = 'simd';
    }
    const ex = instance.exports as unknown as KernelModule['ex'];
    const names = Object.keys(ex)
      .filter((k) => typeof (ex as Record<string, unknown>)[k] === 'function')
      .sort();
    const ctrlOff = ex.heapBase();
    mod = { ex, memory, bytes: bytes as Uint8Array, base: ctrlOff + 256, ctrl: new Int32Array(memory.buffer, ctrlOff, 64), names };
  } catch (e) {
    loadError = e instanceof Error ? e.message : String(e);
  }
  return mod;
}

function wasmAbort(): never {
  throw new Error('shopfloor kernels.wasm: abort');
}

/** Why the kernel module is not available (null when it is). */
export function kernelsUnavailable(): string | null {
  kernelModule();
  return loadError;
}

/**
 * Threads for the fused kernels (1 or 2: kernels split their batch in two halves). Called by
 * initBackend with its `threads` option (default: the number of cores).
 */
export function setKernelThreads(n: number): void {
  threadsWanted = Math.max(1, Math.min(2, Math.floor(n)));
}

/** Threads the fused kernels use now (2 only once the worker has started). */
export function kernelThreads(): number {
  return threadsWanted >= 2 && worker && mod && Atomics.load(mod.ctrl, 3) === 1 ? 2 : 1;
}

// Control words: 0 job sequence (main → worker), 1 job index (-1 = exit), 2 argument count,
// 3 worker ready, 4 worker status, 5 done sequence (worker → main), 8.. arguments (i32).
// Arguments travel as i32: kernels take pointers and sizes; pass floats through memory.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, ctrlOff, names } = workerData;
const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory, abort() { throw new Error('kernels.wasm abort'); } } }).exports;
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
  try { ex[names[c[1]]](...args); } catch (e) { status = 1; }
  c[4] = status;
  Atomics.store(c, 5, seen);
  Atomics.notify(c, 5);
}
`;

function ensureWorker(m: KernelModule): boolean {
  if (threadsWanted < 2) return false;
  if (!worker) {
    worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes: m.bytes, memory: m.memory, ctrlOff: m.ctrl.byteOffset, names: m.names } });
    worker.unref();
    worker.on('error', (e) => {
      console.warn(`shopfloor: kernel worker thread failed (${e.message}); continuing on one thread.`);
      threadsWanted = 1;
    });
  }
  return Atomics.load(m.ctrl, 3) === 1;
}

/**
 * Run kernel `job` over batch rows [0, B): split in two halves between this thread and the worker
 * when there is one and B ≥ `minSplit` (smaller batches do not pay for the hand-off), else all here.
 * `args(b0, nb, part)` gives the argument list for rows [b0, b0 + nb) run as part 0 (this thread) or
 * 1 (worker); integers only. Returns true when the work was split (callers then add the parts'
 * partial sums).
 *
 * `fixedHalves`: when B ≥ `minSplit` but there is no worker (one thread wanted, or the worker not
 * up yet), still run the two halves — one after the other on this thread — and return true. Partial
 * sums then have the same rounding whether one or two threads ran them, so a seeded training run
 * gives bit-identical weights either way (the worker starts asynchronously, mid-run).
 */
export function runSplit(m: KernelModule, job: string, B: number, args: (b0: number, nb: number, part: number) => number[], minSplit = 16, fixedHalves = false): boolean {
  const fn = m.ex[job];
  if (!fn) throw new Error(`shopfloor kernels.wasm: no export '${job}' (rebuild with npm run build:wasm)`);
  if (fixedHalves && B >= minSplit && B >= 2 && !ensureWorker(m)) {
    const bMain = B >> 1;
    fn(...args(0, bMain, 0));
    fn(...args(bMain, B - bMain, 1));
    return true;
  }
  if (B >= minSplit && B >= 2 && ensureWorker(m)) {
    const bMain = B >> 1;
    const a2 = args(bMain, B - bMain, 1);
    const c = m.ctrl;
    c[1] = m.names.indexOf(job);
    c[2] = a2.length;
    a2.forEach((v, i) => (c[8 + i] = v));
    const seq = (jobSeq = (jobSeq + 1) | 0);
    Atomics.store(c, 0, seq);
    Atomics.notify(c, 0);
    fn(...args(0, bMain, 0));
    for (let done = Atomics.load(c, 5); done !== seq; done = Atomics.load(c, 5)) Atomics.wait(c, 5, done);
    if (c[4] !== 0) throw new Error(`shopfloor kernels.wasm: ${job} failed in the worker thread`);
    return true;
  }
  fn(...args(0, B, 0));
  return false;
}

// --- memory: regions (forward state lives until its backward pass) --------------------------------

export interface Region {
  start: number;
  end: number;
  live: boolean;
}
/** Live regions, sorted by start. */
const regions: Region[] = [];
/** Forward states kept for a backward pass that may never come (e.g. a frozen layer): oldest dropped beyond this. */
const MAX_SAVED = 64;
/** Allocation order (regions are sorted by address, {@link evictOld} needs age). */
const serial = new WeakMap<Region, number>();
let allocations = 0;

/**
 * Allocate one region holding buffers of the given float counts (each 64-byte aligned) in the first
 * gap between live regions that fits (else after the last); grows the memory if needed. Returns the
 * region and each buffer's byte offset.
 *
 * First fit, not a stack: regions are not always freed in reverse order (a layer's gradient can keep
 * a region across the next layer's backward pass), and a stack would strand everything above a
 * region freed late, growing by a batch's activations per training step.
 */
export function alloc(m: KernelModule, floats: number[]): { region: Region; offs: number[] } {
  let size = 0;
  for (const n of floats) size += Math.ceil((n * 4) / 64) * 64;
  let start = m.base;
  let at = 0;
  for (; at < regions.length; at++) {
    const r = regions[at] as Region;
    if (r.start - start >= size) break;
    start = Math.max(start, r.end);
  }
  const end = start + size;
  if (end > MAX_PAGES * 65536) throw new Error('shopfloor wasm kernels: more than 2 GiB of activations; use a smaller batch');
  const need = end - m.memory.buffer.byteLength;
  if (need > 0) m.memory.grow(Math.ceil(need / 65536));
  const offs: number[] = [];
  let p = start;
  for (const n of floats) {
    offs.push(p);
    p += Math.ceil((n * 4) / 64) * 64;
  }
  const region = { start, end, live: true };
  regions.splice(at, 0, region);
  serial.set(region, allocations++);
  return { region, offs };
}

/** Release a region (its memory is reused by later allocations). */
export function free(region: Region): void {
  region.live = false;
  const i = regions.indexOf(region);
  if (i >= 0) regions.splice(i, 1);
}

/** Drop the oldest saved forward state when more than 64 are alive (a backward pass that never came). */
export function evictOld(): void {
  if (regions.length <= MAX_SAVED) return;
  let oldest = regions[0] as Region;
  for (const r of regions) if ((serial.get(r) ?? 0) < (serial.get(oldest) ?? 0)) oldest = r;
  free(oldest);
}

/** A float32 view of the whole module memory. Take it after the last allocation: memory may grow. */
export function f32(m: KernelModule): Float32Array {
  return new Float32Array(m.memory.buffer);
}

/**
 * The n floats at byte offset `a`, plus those at `b` when the kernel ran split (`runSplit` returned
 * true: each half wrote its partial sums to its own buffer). A copy, safe to keep after `free`.
 */
export function partialSums(m: KernelModule, split: boolean, a: number, b: number, n: number): Float32Array {
  const mm = f32(m);
  const out = mm.slice(a >> 2, (a >> 2) + n);
  if (split) for (let i = 0; i < n; i++) out[i] = (out[i] as number) + (mm[(b >> 2) + i] as number);
  return out;
}
