/**
 * A Transformer encoder over time (Vaswani et al., "Attention is all you need", NeurIPS 2017) for
 * windows `[steps, features]`: a linear projection of each step to `dModel`, fixed sinusoidal
 * positional encodings, `layers` pre-norm encoder blocks (multi-head self-attention and a ReLU
 * feed-forward, each in a residual branch after LayerNorm — the "pre-LN" form of Xiong et al. 2020,
 * which trains without learning-rate warm-up), a final LayerNorm, mean pooling over time, optional
 * dense layers and a linear output. For remaining-useful-life regression on C-MAPSS this is the family
 * of Mo et al. 2021 ("Remaining useful life estimation via transformer encoder enhanced by a gated
 * convolutional unit", J. Intell. Manuf.) and its successors, reported at RMSE 10.6–11.4 on FD001.
 *
 * tfjs-layers has no attention layer: {@link MultiHeadSelfAttention} and {@link PositionalEncoding}
 * are custom layers registered with `tf.serialization`, so the model saves and loads through the
 * same `model.json` + `weights.bin` as every other neural estimator.
 *
 * Size is configurable up to millions of parameters (dModel 256, 4 layers, ffUnits 1024 ≈ 3.2 M);
 * the count after fit is {@link NeuralEstimator.parameterCount}. No dropout: tfjs's seeded dropout
 * repeats its mask (see mlp.ts), so regularise with `l2` and early stopping.
 */
import { ConfigError, DataError } from '../../core/errors.js';
import { registerEstimator } from '../estimator.js';
import { tf } from './backend.js';
import { fusedAttentionAvailable, fusedFeedForward, fusedFeedForwardAvailable, fusedLayerNorm, fusedLayerNormAvailable, fusedSelfAttention } from './kernels/fused-attention.js';
import { NeuralEstimator, SeedSource, loadNeuralEstimator, registerNeuralKind, type BuildContext, type NeuralOptions, type Regularizer } from './neural-estimator.js';
import { enumOption, intListOption, intOption } from './options.js';

/** Options of {@link Transformer}. */
export interface TransformerOptions extends NeuralOptions {
  /** Width of the model (each step's embedding) [32], 4–1024; a multiple of `heads`. */
  readonly dModel?: number;
  /** Attention heads [4], 1–64. */
  readonly heads?: number;
  /** Encoder blocks [2], 1–24. */
  readonly layers?: number;
  /** Hidden units of each block's feed-forward network [2·dModel], 1–16384. */
  readonly ffUnits?: number;
  /** How the encoded steps become one vector: ['mean'] over time or the 'last' step. */
  readonly pooling?: 'mean' | 'last';
  /** Dense ReLU layers after pooling [[64]], 0–16 layers of 1–4096 units. */
  readonly denseUnits?: readonly number[];
}

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Kwargs = Record<string, unknown>;

interface MhsaConfig {
  readonly dModel: number;
  readonly heads: number;
  readonly seed: number;
}

/**
 * Multi-head scaled dot-product self-attention (Vaswani et al. 2017, §3.2): input and output
 * `[batch, steps, dModel]`; weights Wq, Wk, Wv, Wo (dModel × dModel) and their biases. On the wasm
 * backend the whole block runs as one fused op per direction (./kernels/fused-attention.ts, compiled
 * from asm/attention.ts); elsewhere (or without the built module) as tfjs ops.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer {
  static className = 'ShopfloorMultiHeadSelfAttention';
  private readonly cfg: MhsaConfig;
  private wq: tf.LayerVariable | null = null;
  private wk: tf.LayerVariable | null = null;
  private wv: tf.LayerVariable | null = null;
  private wo: tf.LayerVariable | null = null;
  private bq: tf.LayerVariable | null = null;
  private bk: tf.LayerVariable | null = null;
  private bv: tf.LayerVariable | null = null;
  private bo: tf.LayerVariable | null = null;

  constructor(config: MhsaConfig & LayerArgs) {
    super(config);
    this.cfg = { dModel: config.dModel, heads: config.heads, seed: config.seed };
  }

  override build(): void {
    const d = this.cfg.dModel;
    const glorot = (k: number): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({ seed: (this.cfg.seed + k) % 2147483647 });
    this.wq = this.addWeight('wq', [d, d], 'float32', glorot(1));
    this.wk = this.addWeight('wk', [d, d], 'float32', glorot(2));
    this.wv = this.addWeight('wv', [d, d], 'float32', glorot(3));
    this.wo = this.addWeight('wo', [d, d], 'float32', glorot(4));
    this.bq = this.addWeight('bq', [d], 'float32', tf.initializers.zeros());
    this.bk = this.addWeight('bk', [d], 'float32', tf.initializers.zeros());
    this.bv = this.addWeight('bv', [d], 'float32', tf.initializers.zeros());
    this.bo = this.addWeight('bo', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const read = (v: tf.LayerVariable | null): tf.Tensor => (v as tf.LayerVariable).read();
      if (x.rank === 3 && x.dtype === 'float32' && fusedAttentionAvailable()) {
        // One fused wasm op (./kernels/fused-attention.ts) for the whole block, forward and backward.
        const w = { wq: read(this.wq), wk: read(this.wk), wv: read(this.wv), wo: read(this.wo), bq: read(this.bq), bk: read(this.bk), bv: read(this.bv), bo: read(this.bo) };
        return fusedSelfAttention(x, w, this.cfg.heads);
      }
      const [b, t, d] = x.shape;
      const h = this.cfg.heads;
      const dk = d / h;
      const flat = tf.reshape(x, [b * t, d]) as tf.Tensor2D;
      // Heads folded into the batch: rank-3 batched matmuls [b·h, t, dk].
      const proj = (w: tf.LayerVariable | null, bias: tf.LayerVariable | null): tf.Tensor3D =>
        tf.reshape(
          tf.transpose(tf.reshape(tf.add(tf.matMul(flat, (w as tf.LayerVariable).read() as tf.Tensor2D), (bias as tf.LayerVariable).read()), [b, t, h, dk]), [0, 2, 1, 3]),
          [b * h, t, dk],
        );
      const q = proj(this.wq, this.bq);
      const k = proj(this.wk, this.bk);
      const v = proj(this.wv, this.bv);
      // [b·h, t, t] attention weights: softmax(q kᵀ / √dk).
      const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)));
      const ctx = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [b, h, t, dk]), [0, 2, 1, 3]), [b * t, d]) as tf.Tensor2D;
      const out = tf.add(tf.matMul(ctx, (this.wo as tf.LayerVariable).read() as tf.Tensor2D), (this.bo as tf.LayerVariable).read());
      return tf.reshape(out, [b, t, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), dModel: this.cfg.dModel, heads: this.cfg.heads, seed: this.cfg.seed };
  }
}

/** Adds the fixed sinusoidal positional encoding of Vaswani et al. 2017 (§3.5) to `[batch, steps, d]`. */
export class PositionalEncoding extends tf.layers.Layer {
  static className = 'ShopfloorPositionalEncoding';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [, t, d] = x.shape;
      return tf.add(x, tf.tensor2d(sinusoid(t, d), [t, d]));
    });
  }
}

/** PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(…), row-major steps × d. */
export function sinusoid(steps: number, d: number): Float32Array {
  const pe = new Float32Array(steps * d);
  for (let p = 0; p < steps; p++) {
    for (let i = 0; i < d; i++) {
      const angle = p / Math.pow(10000, (2 * Math.floor(i / 2)) / d);
      pe[p * d + i] = i % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return pe;
}

/** Takes the last step of `[batch, steps, d]` → `[batch, d]`. */
export class LastStep extends tf.layers.Layer {
  static className = 'ShopfloorLastStep';

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [s[0] ?? null, s[2] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [b, t, d] = x.shape;
      return tf.reshape(tf.slice(x, [0, t - 1, 0], [b, 1, d]), [b, d]);
    });
  }
}

tf.serialization.registerClass(MultiHeadSelfAttention);
tf.serialization.registerClass(PositionalEncoding);
tf.serialization.registerClass(LastStep);

/**
 * Layer normalisation over the last axis (Ba et al. 2016) with broadcasting ops. tfjs-layers'
 * `layerNormalization` tiles the mean, variance, scale and offset to the full input shape, and the wasm
 * backend's Tile kernel took 85 % of a forward pass of the anomaly forecaster (9.7 s of 11.4 s for 2048
 * windows, measured with tf.profile); this layer computes the same function without Tile (outputs within
 * 1.4e-6). On the wasm backend it runs as one fused op per direction (./kernels/fused-attention.ts).
 */
export class LayerNorm extends tf.layers.Layer {
  static className = 'ShopfloorLayerNorm';
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private readonly epsilon = 1e-5;

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const d = s[s.length - 1] as number;
    this.gamma = this.addWeight('gamma', [d], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      if (x.dtype === 'float32' && x.rank >= 2 && fusedLayerNormAvailable()) {
        return fusedLayerNorm(x, (this.gamma as tf.LayerVariable).read(), (this.beta as tf.LayerVariable).read(), this.epsilon);
      }
      const axis = x.rank - 1;
      const mean = tf.mean(x, axis, true);
      const centred = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centred), axis, true);
      const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normed, (this.gamma as tf.LayerVariable).read()), (this.beta as tf.LayerVariable).read());
    });
  }
}
tf.serialization.registerClass(LayerNorm);

interface FeedForwardConfig {
  readonly units: number;
  /** Seeds of the He-uniform (first) and Glorot-uniform (second) kernel initialisers. */
  readonly seeds: readonly [number, number];
  /** L2 factor of both kernels (0: none). */
  readonly l2: number;
}

/**
 * The position-wise feed-forward network of an encoder block, relu(x·W1 + b1)·W2 + b2 over the last
 * axis (the two Dense layers of Vaswani et al. 2017, §3.3, as one layer). On the wasm backend it runs
 * as one fused op per direction (./kernels/fused-attention.ts); tfjs's Dense layers sent its weight
 * gradients (xᵀ·dy over batch × steps rows) through a slow transposed BatchMatMul. Same parameters
 * and initialisation as the Dense pair it replaces (models saved with Dense layers still load).
 */
export class FeedForward extends tf.layers.Layer {
  static className = 'ShopfloorFeedForward';
  private readonly cfg: FeedForwardConfig;
  private w1: tf.LayerVariable | null = null;
  private b1: tf.LayerVariable | null = null;
  private w2: tf.LayerVariable | null = null;
  private b2: tf.LayerVariable | null = null;

  constructor(config: FeedForwardConfig & LayerArgs) {
    super(config);
    this.cfg = { units: config.units, seeds: [config.seeds[0], config.seeds[1]], l2: config.l2 };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const d = s[s.length - 1] as number;
    const f = this.cfg.units;
    const reg = this.cfg.l2 > 0 ? tf.regularizers.l2({ l2: this.cfg.l2 }) : undefined;
    this.w1 = this.addWeight('kernel1', [d, f], 'float32', tf.initializers.heUniform({ seed: this.cfg.seeds[0] }), reg);
    this.b1 = this.addWeight('bias1', [f], 'float32', tf.initializers.zeros());
    this.w2 = this.addWeight('kernel2', [f, d], 'float32', tf.initializers.glorotUniform({ seed: this.cfg.seeds[1] }), reg);
    this.b2 = this.addWeight('bias2', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
      const [w1, b1, w2, b2] = [this.w1, this.b1, this.w2, this.b2].map((v) => (v as tf.LayerVariable).read()) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      if (x.dtype === 'float32' && x.rank >= 2 && fusedFeedForwardAvailable()) return fusedFeedForward(x, w1, b1, w2, b2);
      const d = x.shape[x.rank - 1] as number;
      const flat = tf.reshape(x, [-1, d]) as tf.Tensor2D;
      const h = tf.relu(tf.add(tf.matMul(flat, w1 as tf.Tensor2D), b1)) as tf.Tensor2D;
      return tf.reshape(tf.add(tf.matMul(h, w2 as tf.Tensor2D), b2), x.shape);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.cfg.units, seeds: [...this.cfg.seeds], l2: this.cfg.l2 };
  }
}
tf.serialization.registerClass(FeedForward);

/** The L2 factor of a regulariser built by tf.regularizers.l2 (0 for none). */
function l2Factor(reg: Regularizer | undefined): number {
  if (!reg) return 0;
  const c = (reg as unknown as { getConfig(): { l2?: number } }).getConfig();
  return typeof c.l2 === 'number' ? c.l2 : 0;
}

/** Settings of {@link encoderBlocks}. */
export interface EncoderBlocksOptions {
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  readonly ffUnits: number;
  readonly seeds: SeedSource;
  readonly kernelRegularizer?: Regularizer;
}

/**
 * `layers` pre-LN encoder blocks (LayerNorm → self-attention → residual add, LayerNorm → ReLU
 * feed-forward ({@link FeedForward}) → residual add) and the final LayerNorm, on `[batch, steps, dModel]` — shared by the
 * RUL/failure {@link Transformer} and the anomaly forecaster.
 */
export function encoderBlocks(input: tf.SymbolicTensor, o: EncoderBlocksOptions): tf.SymbolicTensor {
  const reg = o.kernelRegularizer;
  let x = input;
  for (let l = 0; l < o.layers; l++) {
    const a = new LayerNorm({}).apply(x) as tf.SymbolicTensor;
    const att = new MultiHeadSelfAttention({ dModel: o.dModel, heads: o.heads, seed: o.seeds.next() }).apply(a) as tf.SymbolicTensor;
    x = tf.layers.add().apply([x, att]) as tf.SymbolicTensor;
    const f = new LayerNorm({}).apply(x) as tf.SymbolicTensor;
    // the seeds SeedSource.he() and .glorot() would draw for two Dense layers: same initial weights
    const seeds: [number, number] = [o.seeds.next(), o.seeds.next()];
    const out = new FeedForward({ units: o.ffUnits, seeds, l2: l2Factor(reg) }).apply(f) as tf.SymbolicTensor;
    x = tf.layers.add().apply([x, out]) as tf.SymbolicTensor;
  }
  return new LayerNorm({}).apply(x) as tf.SymbolicTensor;
}

/**
 * Transformer-encoder regressor/classifier over windows `[steps, features]`.
 * @throws ConfigError on an invalid option (including dModel not a multiple of heads); DataError in
 *   fit for samples that are not `[steps, features]`.
 * @example
 * const m = await new Transformer({ task: 'regression', dModel: 64, heads: 4, layers: 2, epochs: 40 }).fit(windows, rul);
 */
export class Transformer extends NeuralEstimator {
  readonly kind = 'transformer';
  private readonly dModel: number;
  private readonly heads: number;
  private readonly nLayers: number;
  private readonly ffUnits: number;
  private readonly pooling: 'mean' | 'last';
  private readonly dense: number[];

  constructor(options: TransformerOptions = {}) {
    super('transformer', options, ['dModel', 'heads', 'layers', 'ffUnits', 'pooling', 'denseUnits']);
    this.dModel = intOption('transformer', 'dModel', options.dModel, 32, 4, 1024);
    this.heads = intOption('transformer', 'heads', options.heads, 4, 1, 64);
    if (this.dModel % this.heads !== 0) {
      throw new ConfigError(`transformer.heads: dModel (${this.dModel}) must be a multiple of heads (${this.heads}).`, {
        option: 'transformer.heads',
        value: this.heads,
        dModel: this.dModel,
      });
    }
    this.nLayers = intOption('transformer', 'layers', options.layers, 2, 1, 24);
    this.ffUnits = intOption('transformer', 'ffUnits', options.ffUnits, 2 * this.dModel, 1, 16384);
    this.pooling = enumOption('transformer', 'pooling', options.pooling, 'mean', ['mean', 'last'] as const);
    this.dense = intListOption('transformer', 'denseUnits', options.denseUnits, [64], 1, 4096, 0);
  }

  protected override checkShape(shape: readonly number[]): void {
    if (shape.length !== 2) {
      throw new DataError('SF_DATA_SCHEMA', `transformer: samples must be [steps, features] windows; got [${shape.join(', ')}].`, { shape: [...shape] });
    }
  }

  protected buildLayers(ctx: BuildContext): tf.LayersModel {
    const [steps, features] = ctx.inputShape as [number, number];
    const reg = ctx.kernelRegularizer;
    const input = tf.input({ shape: [steps, features] });
    let x = tf.layers.dense({ units: this.dModel, kernelInitializer: ctx.seeds.glorot(), kernelRegularizer: reg }).apply(input) as tf.SymbolicTensor;
    x = new PositionalEncoding({}).apply(x) as tf.SymbolicTensor;
    x = encoderBlocks(x, { dModel: this.dModel, heads: this.heads, layers: this.nLayers, ffUnits: this.ffUnits, seeds: ctx.seeds, kernelRegularizer: reg });
    x = (this.pooling === 'mean' ? tf.layers.globalAveragePooling1d({}) : new LastStep({})).apply(x) as tf.SymbolicTensor;
    for (const units of this.dense) {
      x = tf.layers.dense({ units, activation: 'relu', kernelInitializer: ctx.seeds.he(), kernelRegularizer: reg }).apply(x) as tf.SymbolicTensor;
    }
    const out = tf.layers.dense({ units: ctx.outputUnits, kernelInitializer: ctx.seeds.glorot(), kernelRegularizer: reg }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  }
}

registerNeuralKind('transformer', (o) => new Transformer(o as TransformerOptions));
registerEstimator('transformer', (dir) => loadNeuralEstimator(dir, 'transformer'));
