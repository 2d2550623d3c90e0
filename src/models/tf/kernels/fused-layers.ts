/**
 * Fused Dense, Conv1D and MaxPooling1D layers on the wasm backend: one wasm call for a layer's forward pass
 * (matmul or convolution + bias + activation) and one for its backward pass (activation gradient,
 * bias, weight and input gradients), instead of tfjs's 3 kernels forward and 6–8 backward.
 *
 * For the small networks shopfloor trains (the failure-prediction MLP/CNN on batches of 64, the RUL
 * CNNs on 256) tfjs's fixed cost per kernel (engine bookkeeping, tape, tensor allocation) is a large
 * part of a training step, and each separate bias add / activation / gradient kernel is another pass
 * over memory. Here:
 * - forward (kernels `ShopfloorDense`, `ShopfloorConv1D`): x and the weights are copied once into
 *   shopfloor's module (./wasm-module.ts), the output is computed there (asm/dense.ts: sgemm + bias +
 *   activation; asm/conv.ts: implicit-im2col convolution + bias + activation) and copied out;
 * - backward (their registered gradients): dz = dy ⊙ act'(y) once per node, then each input's
 *   gradient only if tfjs asks for it (never the data's: the first layer's input gradient is skipped);
 *   batch rows (and for Dense dW the input features) split over two threads where the size pays. Dense
 *   splits rows only, so results do not depend on the thread count; Conv1D's filter gradient sums
 *   fixed halves either way (as the Conv2DBackpropFilter kernel of ./fused-conv.ts).
 *
 * MaxPooling1D (kernel `ShopfloorMaxPool1D`) is one kernel forward and one backward on [B, W, C]
 * (tfjs-layers pools through expandDims → MaxPool → squeeze and their gradients).
 *
 * {@link patchLayers} makes tfjs-layers' own `Dense`, `Conv1D` and
 * `MaxPooling1D` classes use them (their `call` is wrapped, the class, config and weights are unchanged), so
 * every Keras-style model in the process — the estimators, the RUL CNNs, user models, loaded models —
 * takes the fused path with no change in model code or saved files. Outside what they cover (other
 * backends, module not built, input rank ≠ 2 for Dense / ≠ 3 for Conv1D and pooling, activations
 * other than linear / relu / tanh, convolution strides, dilation, causal padding, channels first) the
 * layer's own `call` runs.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './wasm-ops.js';
import { alloc, f32, free, kernelModule, runSplit, type KernelModule, type Region } from './wasm-module.js';
import { conv1dShape } from './fused-conv.js';

/** Activation codes of asm/dense.ts and asm/conv.ts. */
const ACT: Record<string, number> = { linear: 0, relu: 1, tanh: 2 };

/**
 * Multiply-adds from which a product is split over two threads: below, the hand-off to the worker
 * (tens of µs, far more when the machine is loaded and the worker waits for a core) costs about what
 * it saves. The table models' layers (≤ 64·64·64) stay on one thread.
 */
const SPLIT_MACS = 1 << 20;

function fn(m: KernelModule, name: string): (...a: number[]) => number {
  const f = m.ex[name];
  if (!f) throw new Error(`shopfloor kernels.wasm: no export '${name}' (rebuild with npm run build:wasm)`);
  return f as unknown as (...a: number[]) => number;
}

function tensorOut(m: KernelModule, at: number, shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(f32(m).subarray(at >> 2, (at >> 2) + n), shape, 'float32');
}

// --- backward state ------------------------------------------------------------------------------
//
// The ops are kernels with registered gradients (not tf.customGrad, which computes every input's
// gradient eagerly): tfjs calls the gradient of an input only when that input leads to a trained
// variable, so the first layer's input gradient (the data's) is never computed. A node's gradFunc
// computes dz = dy ⊙ act'(y) and the bias gradient into one pending region of the module's memory;
// tfjs then calls that node's input thunks at once (tape.ts backpropagateGradients), before the next
// node's gradFunc, which frees the previous pending region.

let pending: Region | null = null;

function dropPending(): void {
  if (pending) free(pending);
  pending = null;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function heap(t: tf.TensorInfo): Float32Array {
  return heapF32(tf.backend() as unknown as WasmBackendLike, t);
}

function copyInfo(m: KernelModule, at: number, t: tf.TensorInfo): void {
  f32(m).set(heap(t), at >> 2);
}

function infoOut(m: KernelModule, backend: WasmBackendLike, at: number, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const n = shape.reduce((a, b) => a * b, 1);
  heapF32(backend, out).set(f32(m).subarray(at >> 2, (at >> 2) + n));
  return out;
}

// --- Dense ---------------------------------------------------------------------------------------

const DENSE = 'ShopfloorDense';

function denseForwardKernel(args: KernelArgs): tf.TensorInfo {
  const m = kernelModule() as KernelModule;
  const { x, w, b } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; b: tf.TensorInfo };
  const { act, hasBias } = args.attrs as unknown as { act: number; hasBias: boolean };
  const [B, In] = x.shape as [number, number];
  const Out = w.shape[1] as number;
  dropPending();
  const { region, offs } = alloc(m, [B * In, In * Out, Out, B * Out]);
  const [oX, oW, oB, oY] = offs as [number, number, number, number];
  try {
    copyInfo(m, oX, x);
    copyInfo(m, oW, w);
    if (hasBias) copyInfo(m, oB, b);
    const minSplit = B * In * Out >= SPLIT_MACS ? 8 : Number.MAX_SAFE_INTEGER;
    runSplit(m, 'denseForward', B, (b0, nb) => [nb, In, Out, oX + b0 * In * 4, oW, hasBias ? oB : 0, act, oY + b0 * Out * 4], minSplit);
    return infoOut(m, args.backend as WasmBackendLike, oY, [B, Out]);
  } finally {
    free(region);
  }
}

function denseGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const m = kernelModule() as KernelModule;
  const [x, w, , y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const { act } = attrs as unknown as { act: number };
  const [B, In] = x.shape as [number, number];
  const Out = w.shape[1] as number;
  const minSplit = B * In * Out >= SPLIT_MACS ? 8 : Number.MAX_SAFE_INTEGER;
  dropPending();
  const p = alloc(m, [B * Out, B * Out, Out]);
  pending = p.region;
  const [pDz, pY, pDb] = p.offs as [number, number, number];
  copyInfo(m, pDz, dy as tf.Tensor);
  copyInfo(m, pY, y);
  fn(m, 'actGrad')(B * Out, act, pY, pDz, pDz);
  return {
    x: () => {
      const t = alloc(m, [In * Out, Out * In, B * In]);
      const [oW, oWt, oDx] = t.offs as [number, number, number];
      try {
        copyInfo(m, oW, w);
        fn(m, 'transpose')(In, Out, oW, oWt);
        // dx rows only (ni = 0: no weight-gradient rows)
        runSplit(m, 'denseBackward', B, (b0, nb) => [nb, In, Out, pDz + b0 * Out * 4, oWt, oDx + b0 * In * 4, B, 0, 0, 0, pDz, 0], minSplit);
        return tensorOut(m, oDx, [B, In]);
      } finally {
        free(t.region);
      }
    },
    w: () => {
      const t = alloc(m, [B * In, In * Out]);
      const [oX, oDw] = t.offs as [number, number];
      try {
        copyInfo(m, oX, x);
        // dw rows (input features) split in two halves; no dx (nb = 0)
        const half = In >> 1;
        runSplit(
          m,
          'denseBackward',
          B,
          (_b0, nb, part) => {
            const whole = nb === B;
            const i0 = whole || part === 0 ? 0 : half;
            const ni = whole ? In : part === 0 ? half : In - half;
            return [0, In, Out, pDz, 0, 0, B, i0, ni, oX, pDz, oDw];
          },
          minSplit,
        );
        return tensorOut(m, oDw, [In, Out]);
      } finally {
        free(t.region);
      }
    },
    b: () => {
      fn(m, 'convBiasGrad')(B, Out, pDz, pDb);
      return tensorOut(m, pDb, [Out]);
    },
  };
}

/**
 * act(x·kernel + bias) for x [B, In], kernel [In, Out], bias [Out] or null; act 0 linear, 1 relu,
 * 2 tanh. Tensors on the wasm backend; the module must be loaded.
 */
export function fusedDense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null, act: number): tf.Tensor {
  const b = bias ?? tf.zeros([kernel.shape[1] as number]);
  try {
    return tf.engine().runKernel(DENSE, { x, w: kernel, b }, { act, hasBias: bias !== null } as unknown as tf.NamedAttrMap) as tf.Tensor;
  } finally {
    if (!bias) b.dispose();
  }
}

const up4 = (n: number): number => (n + 3) & ~3;
/** Minimum batch rows per call before a large enough convolution is split over two threads. */
const CONV_MIN_ROWS = 8;
/** runSplit's minSplit for a convolution: its batch when the work pays for a second thread, else never. */
function convMinSplit(B: number, Wo: number, K: number, C: number, F: number): number {
  return B * Wo * K * C * F >= SPLIT_MACS ? CONV_MIN_ROWS : Number.MAX_SAFE_INTEGER;
}

// --- Conv1D --------------------------------------------------------------------------------------

const CONV = 'ShopfloorConv1D';

interface ConvAttrs {
  act: number;
  hasBias: boolean;
  padL: number;
  Wo: number;
}

function convForwardKernel(args: KernelArgs): tf.TensorInfo {
  const m = kernelModule() as KernelModule;
  const { x, w, b } = args.inputs as { x: tf.TensorInfo; w: tf.TensorInfo; b: tf.TensorInfo };
  const { act, hasBias, padL, Wo } = args.attrs as unknown as ConvAttrs;
  const [B, W, C] = x.shape as [number, number, number];
  const [K, , F] = w.shape as [number, number, number];
  const KC = K * C;
  dropPending();
  const sF = fn(m, 'conv1dForwardScratch')(W, C, K, F, Wo);
  const { region, offs } = alloc(m, [B * W * C, KC * F, KC * up4(F), F, B * Wo * F, sF, sF]);
  const [oX, oW, oWp, oB, oY, oT0, oT1] = offs as [number, number, number, number, number, number, number];
  try {
    copyInfo(m, oX, x);
    copyInfo(m, oW, w);
    if (hasBias) copyInfo(m, oB, b);
    fn(m, 'convPackFilter')(K, C, F, oW, oWp);
    runSplit(m, 'conv1dForward', B, (b0, nb, part) => [nb, W, C, K, F, padL, Wo, oX + b0 * W * C * 4, oWp, hasBias ? oB : 0, act, oY + b0 * Wo * F * 4, part ? oT1 : oT0], convMinSplit(B, Wo, K, C, F));
    return infoOut(m, args.backend as WasmBackendLike, oY, [B, Wo, F]);
  } finally {
    free(region);
  }
}

function convGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const m = kernelModule() as KernelModule;
  const [x, w, , y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const { act, padL, Wo } = attrs as unknown as ConvAttrs;
  const [B, W, C] = x.shape as [number, number, number];
  const [K, , F] = w.shape as [number, number, number];
  const KC = K * C;
  const Fp = up4(F);
  dropPending();
  const n = B * Wo * F;
  const p = alloc(m, [n, n, F]);
  pending = p.region;
  const [pDz, pY, pDb] = p.offs as [number, number, number];
  copyInfo(m, pDz, dy as tf.Tensor);
  copyInfo(m, pY, y);
  fn(m, 'actGrad')(n, act, pY, pDz, pDz);
  return {
    x: () => {
      const sBI = fn(m, 'conv1dBackpropInputScratch')(W, C, K, F);
      const t = alloc(m, [KC * F, K * F * up4(C), B * W * C, sBI, sBI]);
      const [oW, oWf, oDx, oI0, oI1] = t.offs as [number, number, number, number, number];
      try {
        copyInfo(m, oW, w);
        fn(m, 'convPackFilterFlipped')(K, C, F, oW, oWf);
        runSplit(m, 'conv1dBackpropInput', B, (b0, nb, part) => [nb, W, C, K, F, padL, Wo, pDz + b0 * Wo * F * 4, oWf, oDx + b0 * W * C * 4, part ? oI1 : oI0], convMinSplit(B, Wo, K, C, F));
        return tensorOut(m, oDx, [B, W, C]);
      } finally {
        free(t.region);
      }
    },
    w: () => {
      const sBF = fn(m, 'conv1dBackpropFilterScratch')(W, C, K, F, Wo);
      const t = alloc(m, [B * W * C, KC * Fp, KC * Fp, KC * F, sBF, sBF]);
      const [oX, oDw0, oDw1, oDw, oF0, oF1] = t.offs as [number, number, number, number, number, number];
      try {
        copyInfo(m, oX, x);
        // fixed halves: the partial sums do not depend on the thread count
        const split = runSplit(m, 'conv1dBackpropFilter', B, (b0, nb, part) => [nb, W, C, K, F, padL, Wo, oX + b0 * W * C * 4, pDz + b0 * Wo * F * 4, part ? oDw1 : oDw0, 0, part ? oF1 : oF0], convMinSplit(B, Wo, K, C, F), true);
        fn(m, 'convUnpackGrad')(KC, F, oDw0, split ? oDw1 : 0, oDw);
        return tensorOut(m, oDw, [K, C, F]);
      } finally {
        free(t.region);
      }
    },
    b: () => {
      fn(m, 'convBiasGrad')(B * Wo, F, pDz, pDb);
      return tensorOut(m, pDb, [F]);
    },
  };
}

/**
 * act(conv1d(x, kernel) + bias), stride 1, dilation 1, channels last: x [B, W, C], kernel [K, C, F],
 * bias [F] or null, `padL` zero rows before the sequence, output [B, Wo, F]. Tensors on the wasm
 * backend; the module must be loaded.
 */
export function fusedConv1d(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null, act: number, padL: number, Wo: number): tf.Tensor {
  const b = bias ?? tf.zeros([kernel.shape[2] as number]);
  try {
    return tf.engine().runKernel(CONV, { x, w: kernel, b }, { act, hasBias: bias !== null, padL, Wo } as unknown as tf.NamedAttrMap) as tf.Tensor;
  } finally {
    if (!bias) b.dispose();
  }
}

// --- MaxPooling1D ---------------------------------------------------------------------------------

const POOL = 'ShopfloorMaxPool1D';
/** Elements from which the (memory-bound) pooling gradient is split over two threads. */
const POOL_SPLIT_ELEMENTS = 1 << 20;

interface PoolAttrs {
  P: number;
  S: number;
  padL: number;
  Wo: number;
}

function poolForwardKernel(args: KernelArgs): tf.TensorInfo {
  const m = kernelModule() as KernelModule;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { P, S, padL, Wo } = args.attrs as unknown as PoolAttrs;
  const [B, W, C] = x.shape as [number, number, number];
  const { region, offs } = alloc(m, [B * W * C, B * Wo * C]);
  const [oX, oY] = offs as [number, number];
  try {
    copyInfo(m, oX, x);
    fn(m, 'maxPool1dForward')(B, W, C, P, S, padL, Wo, oX, oY);
    return infoOut(m, args.backend as WasmBackendLike, oY, [B, Wo, C]);
  } finally {
    free(region);
  }
}

function poolGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap): Record<string, () => tf.Tensor> {
  const [x] = saved as [tf.Tensor];
  const { P, S, padL, Wo } = attrs as unknown as PoolAttrs;
  return {
    x: () => {
      const m = kernelModule() as KernelModule;
      const [B, W, C] = x.shape as [number, number, number];
      const t = alloc(m, [B * W * C, B * Wo * C, B * W * C]);
      const [oX, oDy, oDx] = t.offs as [number, number, number];
      try {
        copyInfo(m, oX, x);
        copyInfo(m, oDy, dy as tf.Tensor);
        runSplit(m, 'maxPool1dBackward', B, (b0, nb) => [nb, W, C, P, S, padL, Wo, oX + b0 * W * C * 4, oDy + b0 * Wo * C * 4, oDx + b0 * W * C * 4], B * W * C >= POOL_SPLIT_ELEMENTS ? 2 : Number.MAX_SAFE_INTEGER);
        return tensorOut(m, oDx, [B, W, C]);
      } finally {
        free(t.region);
      }
    },
  };
}

let kernelsRegistered = false;

function registerFusedKernels(): void {
  if (kernelsRegistered) return;
  kernelsRegistered = true;
  for (const [name, kernelFunc, gradFunc] of [
    [DENSE, denseForwardKernel, denseGrad],
    [CONV, convForwardKernel, convGrad],
    [POOL, poolForwardKernel, poolGrad],
  ] as const) {
    if (!tf.getKernel(name, 'wasm')) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    const pool = name === POOL;
    if (!tf.getGradient(name)) {
      tf.registerGradient({ kernelName: name, inputsToSave: pool ? ['x'] : ['x', 'w', 'b'], outputsToSave: [!pool], gradFunc: gradFunc as unknown as tf.GradFunc });
    }
  }
}

// --- the layers -----------------------------------------------------------------------------------

type Kwargs = Record<string, unknown> | undefined;
interface LayerInternals {
  invokeCallHook(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): void;
  activation: { getClassName(): string } | null;
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
}
interface DenseInternals extends LayerInternals {
  units: number;
}
interface ConvInternals extends LayerInternals {
  rank: number;
  strides: number[];
  padding: 'valid' | 'same' | 'causal';
  dataFormat: string;
  dilationRate: number | number[];
}
type CallFn = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | null {
  return Array.isArray(inputs) ? (inputs.length === 1 ? (inputs[0] as tf.Tensor) : null) : inputs;
}

function actCode(layer: LayerInternals): number | undefined {
  return ACT[layer.activation ? layer.activation.getClassName() : 'linear'];
}

function usable(x: tf.Tensor | null, rank: number): x is tf.Tensor {
  return x !== null && x.rank === rank && x.dtype === 'float32' && x.size > 0 && tf.getBackend() === 'wasm' && kernelModule() !== null;
}

function denseCall(layer: DenseInternals, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | null {
  const x = single(inputs);
  const act = actCode(layer);
  if (act === undefined || !usable(x, 2)) return null;
  return tf.tidy(() => {
    layer.invokeCallHook(inputs, kwargs);
    return fusedDense(x, layer.kernel.read(), layer.bias ? layer.bias.read() : null, act);
  });
}

function convCall(layer: ConvInternals, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | null {
  const x = single(inputs);
  const act = actCode(layer);
  if (act === undefined || !usable(x, 3) || layer.rank !== 1 || layer.dataFormat !== 'channelsLast' || layer.padding === 'causal') return null;
  if ((layer.strides[0] ?? 1) !== 1) return null;
  const d = Array.isArray(layer.dilationRate) ? layer.dilationRate[0] : layer.dilationRate;
  if ((d ?? 1) !== 1) return null;
  const kernel = layer.kernel.read();
  const [B, W, C] = x.shape as [number, number, number];
  const s = conv1dShape([B, 1, W, C], [1, ...kernel.shape], 1, layer.padding, 1, 'NHWC', undefined);
  if (!s) return null;
  return tf.tidy(() => {
    layer.invokeCallHook(inputs, kwargs);
    return fusedConv1d(x, kernel, layer.bias ? layer.bias.read() : null, act, s.padL, s.Wo);
  });
}

interface PoolInternals {
  invokeCallHook(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): void;
  poolSize: number[];
  strides: number[];
  padding: 'valid' | 'same' | 'causal';
}

function poolCall(layer: PoolInternals, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | null {
  const x = single(inputs);
  if (!usable(x, 3) || (layer.padding !== 'valid' && layer.padding !== 'same')) return null;
  const [B, W, C] = x.shape as [number, number, number];
  const P = layer.poolSize[0] as number;
  const S = layer.strides[0] as number;
  // the layer pools [B, W, 1, C] over height: the same window arithmetic
  const info = tf.backend_util.computePool2DInfo([B, W, 1, C], [P, 1], [S, 1], 1, layer.padding);
  if (info.outHeight < 1 || info.outWidth !== 1) return null;
  return tf.tidy(() => {
    layer.invokeCallHook(inputs, kwargs);
    return tf.engine().runKernel(POOL, { x }, { P, S, padL: info.padInfo.top, Wo: info.outHeight } as unknown as tf.NamedAttrMap) as tf.Tensor;
  });
}

let patched = false;

/**
 * Make tfjs-layers' `Dense` and `Conv1D` classes run the fused ops above where they apply (their
 * `call` is wrapped; everything else falls through to the original). Idempotent. Returns the names of
 * the patched classes.
 */
export function patchLayers(): string[] {
  if (patched) return ['Dense', 'Conv1D', 'MaxPooling1D'];
  registerFusedKernels();
  const dense = Object.getPrototypeOf(tf.layers.dense({ units: 1 })) as { call: CallFn };
  const conv = Object.getPrototypeOf(tf.layers.conv1d({ filters: 1, kernelSize: 1 })) as { call: CallFn };
  // Conv1D inherits `call` from Conv: wrap it on Conv1D's own prototype only.
  const denseBase = dense.call;
  const convBase = conv.call;
  dense.call = function (this: unknown, inputs, kwargs) {
    return denseCall(this as DenseInternals, inputs, kwargs) ?? denseBase.call(this, inputs, kwargs);
  };
  conv.call = function (this: unknown, inputs, kwargs) {
    return convCall(this as ConvInternals, inputs, kwargs) ?? convBase.call(this, inputs, kwargs);
  };
  const pool = Object.getPrototypeOf(tf.layers.maxPooling1d({ poolSize: 2 })) as { call: CallFn };
  const poolBase = pool.call;
  pool.call = function (this: unknown, inputs, kwargs) {
    return poolCall(this as PoolInternals, inputs, kwargs) ?? poolBase.call(this, inputs, kwargs);
  };
  patched = true;
  return ['Dense', 'Conv1D', 'MaxPooling1D'];
}
