/**
 * Scaffolding shared by the kernel tests that compare shopfloor's wasm kernels with tfjs's reference
 * `cpu` backend (src/models/tf/kernels/*.test.ts): seeded random inputs, the relative error of one
 * result against the reference, running a computation on a given backend, and the kernel module's
 * thread count.
 *
 * Plain functions that throw on misuse (no vitest import), so the module also builds into dist/.
 */
import { Rng } from '../../../core/random.js';
import { tf } from '../backend.js';
import { kernelThreads, setKernelThreads } from '../kernels/wasm-module.js';

/** `n` normal draws with standard deviation `sd` from `rng`. */
export function randn(rng: Rng, n: number, sd = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, sd);
  return a;
}

/** Max absolute difference of `a` from the reference `b`, over max(|b|, floor). Throws when the lengths differ. */
export function maxRelErr(a: Float32Array, b: Float32Array, floor = 1e-6): number {
  if (a.length !== b.length) throw new Error(`maxRelErr: lengths differ (${a.length} vs ${b.length})`);
  let scale = floor;
  let err = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i] as number));
    err = Math.max(err, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return err / scale;
}

/** Run `f` on `backend`, then switch back to `wasm` (also when `f` throws). */
export async function onBackend<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  if (!(await tf.setBackend(backend))) throw new Error(`cannot switch to ${backend}`);
  try {
    return f();
  } finally {
    await tf.setBackend('wasm');
  }
}

/**
 * Set the kernel module to `n` threads; for 2, start the worker thread (the first split call starts
 * it asynchronously) and wait until it runs (throws if it has not started within 5 s).
 */
export async function useThreads(n: 1 | 2): Promise<void> {
  setKernelThreads(n);
  if (n === 1) return;
  tf.tidy(() => tf.conv1d(tf.ones([16, 8, 2]) as tf.Tensor3D, tf.ones([3, 2, 4]) as tf.Tensor3D, 1, 'same').dataSync());
  for (let i = 0; i < 100 && kernelThreads() < 2; i++) await new Promise((r) => setTimeout(r, 50));
  if (kernelThreads() !== 2) throw new Error(`kernel worker thread did not start (${kernelThreads()} thread(s))`);
}
