/**
 * 1-D convolution and pooling kernels for tfjs's wasm backend, run in shopfloor's own WebAssembly
 * module (asm/conv.ts + asm/gemm.ts, 128-bit SIMD; loaded by ./wasm-module.ts).
 *
 * tf.conv1d (and so tf.layers.conv1d) is a Conv2D over [batch, 1, width, channels] with a
 * [1, K, C, F] filter, and its gradients are Conv2DBackpropInput / Conv2DBackpropFilter. This file
 * replaces those three kernels, plus MaxPoolGrad, Tanh and the bias gradient's Sum, for that 1-D case (channels last, filter
 * height 1, stride 1, dilation 1; pooling: any window and stride over time), so every Keras-style
 * model with Conv1D layers (the seed's CNN, the RUL deep CNN, user models) uses them with no change in
 * model code and saved models stay as they are. Anything else goes to the kernel this one wraps.
 *
 * Per kernel call: one copy of the inputs from tfjs's heap into the module's memory, one call per
 * thread (the batch split over two cores with ./wasm-module.ts's runSplit; filter-gradient partial
 * sums added in the module), one copy of the result back. The convolutions are GEMMs on overlapping
 * slices of the zero-padded sequence (implicit im2col), with the filters packed once per call.
 *
 * Why kernels rather than a fused custom-gradient Conv1D layer (as the LSTM/GRU): the conv layers of
 * the RUL task and of user models are built with tf.layers.conv1d, and the kernel route reaches
 * them all without touching model code or serialisation. The price is that bias and activation stay
 * separate tfjs ops (BiasAdd → Add, Tanh, and their gradients); Tanh is replaced here by the module's
 * SIMD tanh because tfjs-wasm's scalar one was a fifth of the deep CNN's epoch. tf.layers' Conv1D,
 * MaxPooling1D and Dense layers now take ./fused-layers.ts's fused ops (bias and activation inside);
 * these kernels serve tf.conv1d / tf.conv2d calls outside layers and SHOPFLOOR_FUSED_LAYERS=0.
 */
import * as tf from '@tensorflow/tfjs';
import { heapF32, type WasmBackendLike } from './wasm-ops.js';
import { alloc, f32, free, kernelModule, runSplit, type KernelModule } from './wasm-module.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

interface Conv1dShape {
  B: number;
  W: number;
  C: number;
  K: number;
  F: number;
  padL: number;
  Wo: number;
}

const up4 = (n: number): number => (n + 3) & ~3;

/**
 * The 1-D shape of a conv2d, or null when this is not the case the module handles (channels last,
 * height 1 everywhere, stride 1, dilation 1, no padding in height).
 */
export function conv1dShape(
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: [number, number] | number,
  pad: Pad,
  dilations: [number, number] | number | undefined,
  dataFormat: 'NHWC' | 'NCHW' | undefined,
  dimRoundingMode: 'floor' | 'round' | 'ceil' | undefined,
): Conv1dShape | null {
  if ((dataFormat ?? 'NHWC') !== 'NHWC' || xShape.length !== 4 || filterShape.length !== 4) return null;
  const d = dilations ?? 1;
  if (!(d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1))) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  if (info.inHeight !== 1 || info.filterHeight !== 1 || info.outHeight !== 1 || info.strideWidth !== 1 || info.strideHeight !== 1) return null;
  if (info.padInfo.top !== 0 || info.padInfo.bottom !== 0) return null;
  const s: Conv1dShape = { B: info.batchSize, W: info.inWidth, C: info.inChannels, K: info.filterWidth, F: info.outChannels, padL: info.padInfo.left, Wo: info.outWidth };
  if (s.B === 0 || s.W === 0 || s.C === 0 || s.F === 0 || s.Wo <= 0 || s.K === 0) return null;
  if (s.padL < 0 || s.padL > s.K - 1 + s.W) return null;
  return s;
}

function copyIn(mem: Float32Array, at: number, backend: WasmBackendLike, t: tf.TensorInfo): void {
  mem.set(heapF32(backend, t), at >> 2);
}

function output(backend: WasmBackendLike, m: KernelModule, at: number, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  const n = shape.reduce((a, b) => a * b, 1);
  heapF32(backend, out).set(f32(m).subarray(at >> 2, (at >> 2) + n));
  return out;
}

/** Minimum batch rows per thread before a convolution's batch is split over two cores. */
const MIN_SPLIT = 4;
/**
 * Memory-bound kernels (tanh, max-pool gradient, bias sums) split only from this many elements: below
 * it the hand-off to the worker costs about what it saves, and far more when the machine is loaded.
 */
const SPLIT_ELEMENTS = 1 << 18;

/** y = conv1d(x, w) (+ bias, activation): [B, Wo, F] in the module's memory; used by the kernels below. */
function forward(backend: WasmBackendLike, m: KernelModule, s: Conv1dShape, x: tf.TensorInfo, w: tf.TensorInfo, outShape: number[]): tf.TensorInfo {
  const { B, W, C, K, F, padL, Wo } = s;
  const scratch = (m.ex['conv1dForwardScratch'] as unknown as (...a: number[]) => number)(W, C, K, F, Wo);
  const { region, offs } = alloc(m, [B * W * C, K * C * F, K * C * up4(F), B * Wo * F, scratch, scratch]);
  const [oX, oW, oWp, oY, oT0, oT1] = offs as [number, number, number, number, number, number];
  try {
    const mem = f32(m);
    copyIn(mem, oX, backend, x);
    copyIn(mem, oW, backend, w);
    (m.ex['convPackFilter'] as (...a: number[]) => void)(K, C, F, oW, oWp);
    runSplit(m, 'conv1dForward', B, (b0, nb, part) => [nb, W, C, K, F, padL, Wo, oX + b0 * W * C * 4, oWp, 0, 0, oY + b0 * Wo * F * 4, part ? oT1 : oT0], MIN_SPLIT * 2);
    return output(backend, m, oY, outShape);
  } finally {
    free(region);
  }
}

function inputGrad(backend: WasmBackendLike, m: KernelModule, s: Conv1dShape, dy: tf.TensorInfo, w: tf.TensorInfo, outShape: number[]): tf.TensorInfo {
  const { B, W, C, K, F, padL, Wo } = s;
  const scratch = (m.ex['conv1dBackpropInputScratch'] as unknown as (...a: number[]) => number)(W, C, K, F);
  const { region, offs } = alloc(m, [B * Wo * F, K * C * F, K * F * up4(C), B * W * C, scratch, scratch]);
  const [oDy, oW, oWf, oDx, oT0, oT1] = offs as [number, number, number, number, number, number];
  try {
    const mem = f32(m);
    copyIn(mem, oDy, backend, dy);
    copyIn(mem, oW, backend, w);
    (m.ex['convPackFilterFlipped'] as (...a: number[]) => void)(K, C, F, oW, oWf);
    runSplit(m, 'conv1dBackpropInput', B, (b0, nb, part) => [nb, W, C, K, F, padL, Wo, oDy + b0 * Wo * F * 4, oWf, oDx + b0 * W * C * 4, part ? oT1 : oT0], MIN_SPLIT * 2);
    return output(backend, m, oDx, outShape);
  } finally {
    free(region);
  }
}

function filterGrad(backend: WasmBackendLike, m: KernelModule, s: Conv1dShape, x: tf.TensorInfo, dy: tf.TensorInfo, outShape: number[]): tf.TensorInfo {
  const { B, W, C, K, F, padL, Wo } = s;
  const scratch = (m.ex['conv1dBackpropFilterScratch'] as unknown as (...a: number[]) => number)(W, C, K, F, Wo);
  const KC = K * C;
  const Fp = up4(F);
  const { region, offs } = alloc(m, [B * W * C, B * Wo * F, KC * Fp, KC * Fp, KC * F, scratch, scratch]);
  const [oX, oDy, oDw0, oDw1, oDw, oT0, oT1] = offs as [number, number, number, number, number, number, number];
  try {
    const mem = f32(m);
    copyIn(mem, oX, backend, x);
    copyIn(mem, oDy, backend, dy);
    const split = runSplit(
      m,
      'conv1dBackpropFilter',
      B,
      (b0, nb, part) => [nb, W, C, K, F, padL, Wo, oX + b0 * W * C * 4, oDy + b0 * Wo * F * 4, part ? oDw1 : oDw0, 0, part ? oT1 : oT0],
      MIN_SPLIT * 2,
      true, // same two partial sums on one thread or two: seeded runs do not depend on the worker
    );
    (m.ex['convUnpackGrad'] as (...a: number[]) => void)(KC, F, oDw0, split ? oDw1 : 0, oDw);
    return output(backend, m, oDw, outShape);
  } finally {
    free(region);
  }
}

interface ConvAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

function f32Inputs(...ts: (tf.TensorInfo | undefined)[]): boolean {
  return ts.every((t) => t !== undefined && t.dtype === 'float32');
}

/** Wrap the backend's current kernel `name`: `fast` returns null to defer to it. */
function wrap(name: string, fast: (args: KernelArgs, m: KernelModule) => tf.TensorInfo | null): tf.KernelConfig {
  const base = tf.getKernel(name, 'wasm');
  if (!base) throw new Error(`shopfloor wasm kernel: wasm '${name}' kernel not found`);
  const baseFunc = base.kernelFunc;
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    const m = kernelModule();
    const r = m ? fast(args, m) : null;
    return r ?? (baseFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo);
  };
  return { kernelName: name, backendName: 'wasm', ...(base.setupFunc ? { setupFunc: base.setupFunc } : {}), kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

/** Conv2D: the module's conv1d forward for the 1-D case. */
export function conv1dForwardWasmConfig(): tf.KernelConfig {
  return wrap('Conv2D', (args, m) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs;
    if (!f32Inputs(x, filter)) return null;
    const s = conv1dShape(x.shape, filter.shape, a.strides, a.pad, a.dilations, a.dataFormat, a.dimRoundingMode);
    if (!s) return null;
    return forward(args.backend as WasmBackendLike, m, s, x, filter, [s.B, 1, s.Wo, s.F]);
  });
}

/** Conv2DBackpropInput: the module's conv1d input gradient for the 1-D case. */
export function conv1dBackpropInputWasmConfig(): tf.KernelConfig {
  return wrap('Conv2DBackpropInput', (args, m) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    if (!f32Inputs(dy, filter)) return null;
    const s = conv1dShape(a.inputShape, filter.shape, a.strides, a.pad, 1, a.dataFormat, a.dimRoundingMode);
    if (!s || dy.shape[2] !== s.Wo) return null;
    return inputGrad(args.backend as WasmBackendLike, m, s, dy, filter, [...a.inputShape]);
  });
}

/** Conv2DBackpropFilter: the module's conv1d filter gradient for the 1-D case. */
export function conv1dBackpropFilterWasmConfig(): tf.KernelConfig {
  return wrap('Conv2DBackpropFilter', (args, m) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const a = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
    if (!f32Inputs(x, dy)) return null;
    const s = conv1dShape(x.shape, a.filterShape, a.strides, a.pad, 1, a.dataFormat, a.dimRoundingMode);
    if (!s || dy.shape[2] !== s.Wo) return null;
    return filterGrad(args.backend as WasmBackendLike, m, s, x, dy, [...a.filterShape]);
  });
}

/** MaxPoolGrad over time (pool height 1): the module's SIMD kernel, batch split over two cores. */
export function maxPool1dGradWasmConfig(): tf.KernelConfig {
  return wrap('MaxPoolGrad', (args, m) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const a = args.attrs as unknown as { filterSize: [number, number] | number; strides: [number, number] | number; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
    if (!f32Inputs(dy, input) || input.shape.length !== 4) return null;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    // tf.layers.maxPooling1d pools [B, W, 1, C] over height; tf.maxPool on [B, 1, W, C] over width:
    // the same memory layout [B, W, C] either way.
    let W: number, Wo: number, S: number, P: number, padL: number;
    if (info.inWidth === 1 && info.outWidth === 1 && info.effectiveFilterWidth === 1 && info.padInfo.left === 0) {
      [W, Wo, S, P, padL] = [info.inHeight, info.outHeight, info.strideHeight, info.effectiveFilterHeight, info.padInfo.top];
    } else if (info.inHeight === 1 && info.outHeight === 1 && info.effectiveFilterHeight === 1 && info.padInfo.top === 0) {
      [W, Wo, S, P, padL] = [info.inWidth, info.outWidth, info.strideWidth, info.effectiveFilterWidth, info.padInfo.left];
    } else {
      return null;
    }
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
    const { batchSize: B, inChannels: C } = info;
    if (B * W * C === 0 || Wo === 0) return null;
    const backend = args.backend as WasmBackendLike;
    const { region, offs } = alloc(m, [B * W * C, B * Wo * C, B * W * C]);
    const [oX, oDy, oDx] = offs as [number, number, number];
    try {
      const mem = f32(m);
      copyIn(mem, oX, backend, input);
      copyIn(mem, oDy, backend, dy);
      runSplit(m, 'maxPool1dBackward', B, (b0, nb) => [nb, W, C, P, S, padL, Wo, oX + b0 * W * C * 4, oDy + b0 * Wo * C * 4, oDx + b0 * W * C * 4], Math.max(2, Math.ceil(SPLIT_ELEMENTS / (W * C))));
      return output(backend, m, oDx, [...input.shape]);
    } finally {
      free(region);
    }
  });
}

/** Tanh: the module's SIMD tanh (tfjs-wasm's is a scalar loop). */
export function tanhWasmConfig(): tf.KernelConfig {
  return wrap('Tanh', (args, m) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (!f32Inputs(x)) return null;
    // every size, even tiny ones: one tanh for a batch and for a single window, so predictions do
    // not depend on how the rows were batched (tfjs's scalar tanh rounds differently)
    const n = x.shape.reduce((p, q) => p * q, 1);
    if (n === 0) return null;
    const backend = args.backend as WasmBackendLike;
    const { region, offs } = alloc(m, [n]);
    const [o] = offs as [number];
    try {
      copyIn(f32(m), o, backend, x);
      // elementwise: split the flat array in two halves of whole 16-float blocks
      const blocks = n >> 4;
      runSplit(m, 'vecTanh', blocks, (i0, ni) => [i0 + ni === blocks ? n - i0 * 16 : ni * 16, o + i0 * 64, o + i0 * 64], SPLIT_ELEMENTS / 16);
      return output(backend, m, o, [...x.shape]);
    } finally {
      free(region);
    }
  });
}

/** Sums smaller than this stay on tfjs's own kernel. */
const SUM_MIN = 4096;

/**
 * Sum over every axis but the last (the bias gradient of Conv1D and Dense layers): the module's SIMD
 * column sums, rows split over two cores. tfjs-wasm transposes the input first for such a sum.
 */
export function biasGradSumWasmConfig(): tf.KernelConfig {
  return wrap('Sum', (args, m) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const a = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const r = x.shape.length;
    if (!f32Inputs(x) || r < 2) return null;
    const axes = (Array.isArray(a.axis) ? a.axis : [a.axis]).map((v) => (v < 0 ? v + r : v)).sort((p, q) => p - q);
    if (axes.length !== r - 1 || axes.some((v, i) => v !== i)) return null;
    const n = x.shape[r - 1] as number;
    const rows = x.shape.slice(0, -1).reduce((p, q) => p * q, 1);
    if (rows * n < SUM_MIN || n === 0) return null;
    const backend = args.backend as WasmBackendLike;
    const { region, offs } = alloc(m, [rows * n, n, n]);
    const [oG, oS0, oS1] = offs as [number, number, number];
    try {
      copyIn(f32(m), oG, backend, x);
      const split = runSplit(m, 'convBiasGrad', rows, (r0, nr, part) => [nr, n, oG + r0 * n * 4, part ? oS1 : oS0], Math.max(2, Math.ceil(SPLIT_ELEMENTS / n)), true);
      const mem = f32(m);
      const out = backend.makeOutput(a.keepDims ? [...x.shape.slice(0, -1).map(() => 1), n] : [n], 'float32');
      const o = heapF32(backend, out);
      for (let j = 0; j < n; j++) o[j] = (mem[(oS0 >> 2) + j] as number) + (split ? (mem[(oS1 >> 2) + j] as number) : 0);
      return out;
    } finally {
      free(region);
    }
  });
}

/** Every kernel this file provides, as registration records wrapping the backend's current ones. */
export function fusedConvWasmConfigs(): tf.KernelConfig[] {
  return [conv1dForwardWasmConfig(), conv1dBackpropInputWasmConfig(), conv1dBackpropFilterWasmConfig(), maxPool1dGradWasmConfig(), tanhWasmConfig(), biasGradSumWasmConfig()];
}
