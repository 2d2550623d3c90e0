/**
 * The fused LSTM/GRU kernels (asm/rnn.ts) alone, by phase, at the engine benchmark's shapes: one
 * thread's half of a batch of 256 (B = 128), T = 30, layers 14 → 64 and 64 → 32, as in
 * bench/engine-baseline.bench.ts's lstm-windows / gru-windows. No tfjs: the module is instantiated
 * here on its own memory and called directly, so the numbers are the kernels' and nothing else.
 *
 *   npx tsx bench/rnn-kernels.bench.ts [--kind lstm|gru] [--reps 15] [--vs OTHER.wasm]
 *
 * Phases per rep (both layers): `forward` (layer forward: input projection + recurrence), `backward`
 * (layer backward with the input gradient: backward through time, dU, dW, db, dx), `gates` (the
 * forward's gate activations and cell update alone: the recurrence kernel with T = 1 over B·T rows).
 * Reports the minimum and median wall time per phase and the mean CPU time (this machine is shared:
 * the minimum is the kernel's, the CPU mean the steadier figure under load), and GFLOP/s of the
 * minimum for the GEMM-bound phases (the FLOPs of the matmuls only).
 *
 * --vs: the same phases with a second build (e.g. one compiled from an older asm/ tree), interleaved
 * rep by rep with the first so both see the same load; outputs are compared (max relative difference).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KERNELS_WASM_URL } from '../src/models/tf/kernels/wasm-module.js';

type Fn = (...a: number[]) => number;
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
const WA = (globalThis as unknown as {
  WebAssembly: {
    Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
    Instance: new (m: object, i: object) => { exports: Record<string, Fn> };
    Module: new (b: Uint8Array) => object;
  };
}).WebAssembly;

const args = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const kind = arg('--kind') ?? 'lstm';
const reps = Number(arg('--reps') ?? 15);
const files = [process.env['SHOPFLOOR_KERNELS_WASM'] ?? fileURLToPath(KERNELS_WASM_URL), ...(arg('--vs') ? [arg('--vs') as string] : [])];

const B = 128;
const T = 30;
const SHAPES: [number, number][] = [
  [14, 64],
  [64, 32],
];
const KEYS = ['x', 'wt', 'ut', 'gates', 'hs', 'a', 'w', 'b', 'u', 'dy', 'dg', 'du', 'dw', 'db', 'dx', 's1', 's2'] as const;
type Layer = Record<(typeof KEYS)[number], number> & { F: number; H: number; g: number };

function load(file: string): { phases: Record<string, () => void>; f32: () => Float32Array; layers: Layer[] } {
  const memory = new WA.Memory({ initial: 64, maximum: 32768, shared: true });
  const ex = new WA.Instance(new WA.Module(readFileSync(file)), { env: { memory, abort: () => { throw new Error('abort'); } } }).exports;
  memory.grow(1200);
  let p = (((ex['heapBase'] as Fn)() + 256 + 63) & ~63) >>> 0;
  const al = (n: number): number => {
    const o = p;
    p += Math.ceil((n * 4) / 64) * 64;
    return o;
  };
  let seed = 1;
  const rnd = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed / 0x7fffffff) * 2 - 1;
  };
  const layers: Layer[] = [];
  const BT = B * T;
  for (const [F, H] of SHAPES) {
    const g = (kind === 'lstm' ? 4 : 3) * H;
    const sizes: Record<(typeof KEYS)[number], number> = { x: BT * F, wt: g * F, ut: g * H, gates: BT * g, hs: BT * H, a: BT * H, w: F * g, b: g, u: H * g, dy: BT * H, dg: BT * g, du: H * g, dw: F * g, db: g, dx: BT * F, s1: B * H, s2: B * H };
    const L = { F, H, g } as Layer;
    for (const k of KEYS) L[k] = al(sizes[k]);
    const f = new Float32Array(memory.buffer);
    const fill = (o: number, n: number, s: number): void => {
      for (let i = 0; i < n; i++) f[(o >> 2) + i] = rnd() * s;
    };
    fill(L.x, BT * F, 1);
    fill(L.w, F * g, 0.3);
    fill(L.u, H * g, 0.3);
    fill(L.b, g, 0.1);
    fill(L.dy, BT * H, 1);
    (ex['transpose'] as Fn)(F, g, L.w, L.wt);
    (ex['transpose'] as Fn)(H, g, L.u, L.ut);
    layers.push(L);
  }
  const P = kind === 'lstm' ? 'lstm' : 'gru';
  const call = (name: string, ...a: number[]): number => (ex[name] as Fn)(...a);
  const phases = {
    forward: (): void => {
      for (const L of layers) call(`${P}LayerForward`, B, T, L.F, L.H, L.x, L.w, L.b, L.u, L.gates, L.hs, L.a);
    },
    backward: (): void => {
      for (const L of layers) call(`${P}LayerBackward`, B, T, L.F, L.H, L.x, L.wt, L.gates, L.a, L.hs, L.ut, L.dy, 1, L.dg, L.du, L.dw, L.db, L.dx, L.s1, L.s2);
    },
    gates: (): void => {
      for (const L of layers) call(`${P}Forward`, B * T, 1, L.H, L.gates, L.u, L.hs, L.a);
    },
  };
  return { phases, f32: () => new Float32Array(memory.buffer), layers };
}

const mods = files.map(load);
// outputs of a forward + backward, compared between the builds
for (const m of mods) {
  m.phases['forward']?.();
  m.phases['backward']?.();
}
if (mods.length === 2) {
  const [a, b] = mods as [ReturnType<typeof load>, ReturnType<typeof load>];
  let worst = 0;
  for (let l = 0; l < a.layers.length; l++) {
    const La = a.layers[l] as Layer;
    const Lb = b.layers[l] as Layer;
    const n: Record<string, number> = { hs: B * T * La.H, dg: B * T * La.g, du: La.H * La.g, dw: La.F * La.g, db: La.g, dx: B * T * La.F };
    for (const k of Object.keys(n) as (keyof Layer)[]) {
      const fa = a.f32();
      const fb = b.f32();
      let e = 0;
      let s = 1e-6;
      for (let j = 0; j < (n[k] as number); j++) {
        const va = fa[((La[k] as number) >> 2) + j] as number;
        e = Math.max(e, Math.abs(va - (fb[((Lb[k] as number) >> 2) + j] as number)));
        s = Math.max(s, Math.abs(va));
      }
      worst = Math.max(worst, e / s);
    }
  }
  console.log(`max relative difference between the builds (h, dg, dU, dW, db, dx): ${worst.toExponential(2)}`);
}

const flop = (phase: string): number => {
  let s = 0;
  const g = kind === 'lstm' ? 4 : 3;
  for (const [F, H] of SHAPES) {
    const proj = 2 * B * T * F * g * H;
    const rec = 2 * B * (T - 1) * H * g * H;
    s += phase === 'forward' ? proj + rec : phase === 'backward' ? 2 * rec + 2 * proj : 0;
  }
  return s;
};
const wall: Record<string, number[]>[] = mods.map(() => ({ forward: [], backward: [], gates: [] }));
const cpu: Record<string, number>[] = mods.map(() => ({ forward: 0, backward: 0, gates: 0 }));
for (let r = 0; r < reps; r++) {
  mods.forEach((m, i) => {
    for (const [name, f] of Object.entries(m.phases)) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let k = 0; k < 3; k++) f();
      (wall[i]?.[name] as number[]).push((performance.now() - t0) / 3);
      const c = process.cpuUsage(c0);
      (cpu[i] as Record<string, number>)[name] = ((cpu[i] as Record<string, number>)[name] as number) + (c.user + c.system) / 1000 / 3;
    }
  });
}
mods.forEach((_, i) => {
  const out: Record<string, unknown> = { build: files[i], kind, batch_half: B, steps: T };
  for (const name of ['forward', 'backward', 'gates']) {
    const w = (wall[i]?.[name] as number[]).slice().sort((x, y) => x - y);
    const min = w[0] as number;
    out[name] = {
      min_ms: +min.toFixed(3),
      median_ms: +(w[w.length >> 1] as number).toFixed(3),
      cpu_mean_ms: +(((cpu[i] as Record<string, number>)[name] as number) / reps).toFixed(3),
      ...(flop(name) ? { gflops_at_min: +(flop(name) / min / 1e6).toFixed(1) } : {}),
    };
  }
  console.log(JSON.stringify(out));
});
