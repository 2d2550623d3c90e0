/**
 * Where a training epoch's time goes, per tfjs kernel, for the engine benchmark's CNN/MLP workloads
 * (same models, data sizes and batch as bench/engine-baseline.bench.ts; synthetic data).
 *
 *   npx tsx bench/engine-profile.ts [--only cnn-windows,mlp-table] [--epochs 2] [--plain] [--threads1]
 *
 * --plain: no per-kernel timers (just wall and CPU time per epoch); --threads1: shopfloor's kernels on
 * one thread. SHOPFLOOR_FUSED_LAYERS=0 / SHOPFLOOR_CONV_KERNELS=0 switch shopfloor's parts off.
 *
 * Every wasm kernel is wrapped with a timer (kernels that call other kernels from inside, such as
 * BatchMatMul → Transpose, are counted in the outer one only). Prints, per workload, the total wall
 * time of the timed epoch, the time inside kernels, and the kernels by total time with their call
 * counts and shapes. "outside kernels" is tfjs's engine, tape, layers and the fit loop.
 */
import { Rng } from '../src/core/random.js';
import { CNN1D, MLP, initBackend, type NeuralEstimator } from '../src/models/tf/index.js';
import { tf } from '../src/models/tf/backend.js';
import { DeepCNN1D } from '../src/tasks/rul/dcnn.js';

type Stat = { ms: number; calls: number; shapes: Map<string, number> };
const stats = new Map<string, Stat>();
let depth = 0;

function instrument(): void {
  for (const k of tf.getKernelsForBackend('wasm')) {
    const f = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap }) => {
        if (depth > 0) return f(args as Parameters<tf.KernelFunc>[0]);
        depth++;
        const t0 = performance.now();
        try {
          return f(args as Parameters<tf.KernelFunc>[0]);
        } finally {
          const dt = performance.now() - t0;
          depth--;
          const s = stats.get(k.kernelName) ?? { ms: 0, calls: 0, shapes: new Map() };
          s.ms += dt;
          s.calls++;
          const key = Object.values(args.inputs)
            .filter((t) => t != null)
            .map((t) => `[${(t as tf.TensorInfo).shape.join(',')}]`)
            .join('×');
          s.shapes.set(key, (s.shapes.get(key) ?? 0) + dt);
          stats.set(k.kernelName, s);
        }
      }) as unknown as tf.KernelFunc,
    });
  }
}

const SPECS = {
  'mlp-table': { n: 10_000, shape: [7], batch: 64, task: 'classification' as const },
  'cnn-table': { n: 10_000, shape: [7], batch: 64, task: 'classification' as const },
  'cnn-windows': { n: 14_000, shape: [30, 14], batch: 256, task: 'regression' as const },
  'dcnn-windows': { n: 14_000, shape: [30, 14], batch: 256, task: 'regression' as const },
};
type W = keyof typeof SPECS;

function build(w: W, epochs: number): NeuralEstimator {
  const common = { epochs, batchSize: SPECS[w].batch, patience: 0, learningRate: 1e-3, seed: 1, task: SPECS[w].task };
  if (w === 'mlp-table') return new MLP({ ...common, hiddenUnits: [64, 32] });
  if (w === 'cnn-table') return new CNN1D({ ...common, filters: 32, kernelSize: 3, poolSize: 2, denseUnits: [64] });
  if (w === 'cnn-windows') return new CNN1D({ ...common, filters: 64, kernelSize: 5, poolSize: 2, denseUnits: [64] });
  return new DeepCNN1D({ ...common });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (n: string): string | undefined => (args.includes(n) ? args[args.indexOf(n) + 1] : undefined);
  const only = (arg('--only') ?? Object.keys(SPECS).join(',')).split(',') as W[];
  const epochs = Number(arg('--epochs') ?? 2);
  await initBackend(args.includes('--threads1') ? { threads: 1 } : {});
  if (!args.includes('--plain')) instrument();
  for (const w of only) {
    const s = SPECS[w];
    const d = s.shape.reduce((a, b) => a * b, 1);
    const rng = new Rng(7);
    const x = new Float32Array(s.n * d).map(() => rng.normal());
    const y = new Float64Array(s.n).map((_, i) => (s.task === 'regression' ? (x[i * d] as number) * 10 + 50 : (x[i * d] as number) > 0.5 ? 1 : 0));
    const m = build(w, epochs);
    let last = performance.now();
    let wall = 0;
    let cpu0 = process.cpuUsage();
    let cpu = 0;
    await m.fit({ x, n: s.n, shape: s.shape }, y, {
      onEpoch: ({ epoch }) => {
        const now = performance.now();
        const c = process.cpuUsage(cpu0);
        if (epoch === 0) stats.clear();
        else {
          wall += now - last;
          cpu += (c.user + c.system) / 1000;
        }
        last = now;
        cpu0 = process.cpuUsage();
      },
    });
    const inside = [...stats.values()].reduce((a, b) => a + b.ms, 0);
    const timed = epochs - 1;
    console.log(`\n== ${w}: ${(wall / timed).toFixed(0)} ms/epoch (CPU ${(cpu / timed).toFixed(0)} ms), inside kernels ${(inside / timed).toFixed(0)} ms, outside ${((wall - inside) / timed).toFixed(0)} ms; ${[...stats.values()].reduce((a, b) => a + b.calls, 0) / timed} kernel calls/epoch`);
    for (const [name, st] of [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
      const shapes = [...st.shapes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ${(v / timed).toFixed(0)}`);
      console.log(`${name.padEnd(22)} ${(st.ms / timed).toFixed(1).padStart(7)} ms ${String(st.calls / timed).padStart(6)} calls  ${shapes.join('; ')}`);
    }
    stats.clear();
    m.dispose();
  }
}

await main();
