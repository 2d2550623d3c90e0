/**
 * Adam (Kingma & Ba 2015) with one fused kernel per variable and step on the wasm backend.
 *
 * tfjs's `tf.train.adam` spends about a dozen kernels per variable per step (scale, square, add, div,
 * sqrt, …); for the small networks shopfloor trains, kernel dispatch, not arithmetic, sets the step
 * time, and the optimiser was most of the kernels of an MLP step. Here one `ShopfloorAdam` kernel
 * reads parameter, moments and gradient from the wasm heap and writes the three updated tensors in a
 * single loop: 128-bit SIMD in shopfloor's module (asm/adam.ts) when it is built and the variable has
 * 16 or more values, else a JS loop. The arithmetic is tfjs's (same ε = 1e-7, bias correction through
 * β₁ᵗ and β₂ᵗ), so the results match `tf.train.adam` to float32 rounding. On other backends it falls back to
 * `tf.train.adam`.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './kernels/wasm-ops.js';
import { alloc, f32, free, kernelModule } from './kernels/wasm-module.js';

const KERNEL = 'ShopfloorAdam';

interface AdamAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 / (1 − β₁ᵗ) */
  c1: number;
  /** 1 / (1 − β₂ᵗ) */
  c2: number;
}

function adamWasm(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x, m, v, g } = args.inputs as { x: tf.TensorInfo; m: tf.TensorInfo; v: tf.TensorInfo; g: tf.TensorInfo };
  const { lr, beta1, beta2, eps, c1, c2 } = args.attrs as unknown as AdamAttrs;
  const xo = backend.makeOutput([...x.shape], 'float32');
  const mo = backend.makeOutput([...x.shape], 'float32');
  const vo = backend.makeOutput([...x.shape], 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  const km = kernelModule();
  if (km && km.ex['adamStep'] && n >= 16) {
    // 128-bit SIMD in shopfloor's module (asm/adam.ts): copy in, update in place, copy out
    const { region, offs } = alloc(km, [n, n, n, n]);
    const [px, pm, pv, pg] = offs as [number, number, number, number];
    try {
      const mem = f32(km);
      mem.set(heapF32(backend, x), px >> 2);
      mem.set(heapF32(backend, m), pm >> 2);
      mem.set(heapF32(backend, v), pv >> 2);
      mem.set(heapF32(backend, g), pg >> 2);
      km.ex['adamStep'](n, px, pm, pv, pg, lr, beta1, beta2, eps, c1, c2);
      heapF32(backend, xo).set(mem.subarray(px >> 2, (px >> 2) + n));
      heapF32(backend, mo).set(mem.subarray(pm >> 2, (pm >> 2) + n));
      heapF32(backend, vo).set(mem.subarray(pv >> 2, (pv >> 2) + n));
      return [xo, mo, vo];
    } finally {
      free(region);
    }
  }
  // Views after the allocations: the heap may have grown.
  const xs = heapF32(backend, x);
  const ms = heapF32(backend, m);
  const vs = heapF32(backend, v);
  const gs = heapF32(backend, g);
  const xd = heapF32(backend, xo);
  const md = heapF32(backend, mo);
  const vd = heapF32(backend, vo);
  const b1c = 1 - beta1;
  const b2c = 1 - beta2;
  for (let i = 0; i < xs.length; i++) {
    const gi = gs[i] as number;
    const mi = beta1 * (ms[i] as number) + b1c * gi;
    const vi = beta2 * (vs[i] as number) + b2c * gi * gi;
    md[i] = mi;
    vd[i] = vi;
    xd[i] = (xs[i] as number) - (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps);
  }
  return [xo, mo, vo];
}

let registered = false;

/** Per-variable learning-rate multipliers ({@link setLearningRateScale}). */
const lrScales = new WeakMap<tf.Variable, number>();

/**
 * Train `variable` with `scale` × the optimiser's learning rate in every {@link FusedAdam} built after
 * this call. Used to emulate PyTorch's two LSTM biases (`b_ih`, `b_hh`: the same gradient, hence the
 * same Adam step, so their sum moves twice as fast) with TF.js's one (./torch-init.ts).
 */
export function setLearningRateScale(variable: tf.Variable, scale: number): void {
  lrScales.set(variable, scale);
}

/** Register the fused kernel for wasm (idempotent). */
export function registerAdamKernel(): void {
  if (registered) return;
  if (!tf.getKernel(KERNEL, 'wasm')) tf.registerKernel({ kernelName: KERNEL, backendName: 'wasm', kernelFunc: adamWasm as unknown as tf.KernelFunc });
  registered = true;
}

/** Adam over a fixed list of variables. `dispose()` frees its moments. */
export class FusedAdam {
  private readonly m: tf.Tensor[];
  private readonly v: tf.Tensor[];
  private t = 0;
  /** tf.train.adam per distinct learning-rate scale (other backends), with the variables it updates. */
  private readonly fallback: { opt: tf.AdamOptimizer; names: Set<string> }[] | null;
  private readonly scales: number[];

  /**
   * @param vars  the variables to train (in the order gradients are given to {@link step})
   * @param lr    learning rate
   */
  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-7,
  ) {
    const fused = tf.getBackend() === 'wasm';
    if (fused) registerAdamKernel();
    this.scales = vars.map((x) => lrScales.get(x) ?? 1);
    if (fused) this.fallback = null;
    else {
      const groups = new Map<number, Set<string>>();
      vars.forEach((x, i) => {
        const s = this.scales[i] as number;
        if (!groups.has(s)) groups.set(s, new Set());
        groups.get(s)?.add(x.name);
      });
      this.fallback = [...groups].map(([s, names]) => ({ opt: tf.train.adam(lr * s, beta1, beta2, eps), names }));
    }
    this.m = fused ? vars.map((x) => tf.keep(tf.zerosLike(x))) : [];
    this.v = fused ? vars.map((x) => tf.keep(tf.zerosLike(x))) : [];
  }

  /**
   * Minimise `f` one step: gradients of `f` with respect to the variables, then the Adam update.
   * Resolves to the loss value.
   */
  minimize(f: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(f, [...this.vars]);
    const loss = value.dataSync()[0] as number;
    value.dispose();
    if (this.fallback) {
      for (const { opt, names } of this.fallback) opt.applyGradients(Object.entries(grads).flatMap(([name, tensor]) => (names.has(name) ? [{ name, tensor }] : [])));
      tf.dispose(Object.values(grads));
      return loss;
    }
    this.t++;
    const attrs: AdamAttrs = {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      c1: 1 / (1 - this.beta1 ** this.t),
      c2: 1 / (1 - this.beta2 ** this.t),
    };
    this.vars.forEach((x, i) => {
      const g = grads[x.name];
      if (!g) return;
      const s = this.scales[i] as number;
      const a = s === 1 ? attrs : { ...attrs, lr: this.lr * s };
      const [xn, mn, vn] = tf.engine().runKernel(KERNEL, { x, m: this.m[i] as tf.Tensor, v: this.v[i] as tf.Tensor, g }, a as unknown as tf.NamedAttrMap) as tf.Tensor[];
      x.assign(xn as tf.Tensor);
      xn?.dispose();
      (this.m[i] as tf.Tensor).dispose();
      (this.v[i] as tf.Tensor).dispose();
      this.m[i] = tf.keep(mn as tf.Tensor);
      this.v[i] = tf.keep(vn as tf.Tensor);
    });
    tf.dispose(Object.values(grads));
    return loss;
  }

  dispose(): void {
    for (const f of this.fallback ?? []) f.opt.dispose();
    tf.dispose([...this.m, ...this.v]);
  }
}
