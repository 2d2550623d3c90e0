/**
 * The seed's 1-D convolutional network: Conv1D → MaxPool1D → Flatten → Dense → sigmoid/softmax (or a
 * linear output for regression). Tabular rows `[features]` are read as a 1-channel sequence
 * `[features, 1]` (what the seed meant, and what its code failed to do); windows `[steps, features]`
 * are convolved over time with the features as channels. On wasm each Conv1D, MaxPooling1D and Dense
 * layer runs as one fused op forward and one backward in shopfloor's own SIMD kernels
 * (./kernels/fused-layers.ts, asm/conv.ts, asm/dense.ts; tfjs-layers' classes are patched in place):
 * the model code is plain tf.layers.
 */
import { DataError } from '../../core/errors.js';
import { registerEstimator } from '../estimator.js';
import { tf } from './backend.js';
import { NeuralEstimator, loadNeuralEstimator, registerNeuralKind, type BuildContext, type NeuralOptions } from './neural-estimator.js';
import { enumOption, intListOption, intOption } from './options.js';

/** Options of {@link CNN1D}. */
export interface CNN1DOptions extends NeuralOptions {
  /** Convolution filters [64], 1–1024. */
  readonly filters?: number;
  /** Convolution kernel length in steps [3], 1–64. */
  readonly kernelSize?: number;
  /** Max-pooling window and stride [2], 1–64. */
  readonly poolSize?: number;
  /** Convolution padding ['valid'] or 'same'. */
  readonly padding?: 'valid' | 'same';
  /** Dense layers after Flatten [[64]], 0–16 layers of 1–4096 units (ReLU). */
  readonly denseUnits?: readonly number[];
}

/**
 * Conv1D classifier/regressor.
 * @throws ConfigError on an invalid option; DataError in fit when the sequence is shorter than the
 *   kernel and pool.
 * @example
 * const m = await new CNN1D({ filters: 32, epochs: 30 }).fit(windows, y);
 */
export class CNN1D extends NeuralEstimator {
  readonly kind = 'cnn1d';
  private readonly filters: number;
  private readonly kernelSize: number;
  private readonly poolSize: number;
  private readonly padding: 'valid' | 'same';
  private readonly dense: number[];
  constructor(options: CNN1DOptions = {}) {
    super('cnn1d', options, ['filters', 'kernelSize', 'poolSize', 'padding', 'denseUnits']);
    this.filters = intOption('cnn1d', 'filters', options.filters, 64, 1, 1024);
    this.kernelSize = intOption('cnn1d', 'kernelSize', options.kernelSize, 3, 1, 64);
    this.poolSize = intOption('cnn1d', 'poolSize', options.poolSize, 2, 1, 64);
    this.padding = enumOption('cnn1d', 'padding', options.padding, 'valid', ['valid', 'same'] as const);
    this.dense = intListOption('cnn1d', 'denseUnits', options.denseUnits, [64], 1, 4096, 0);
  }
  protected override checkShape(shape: readonly number[]): void {
    if (shape.length !== 1 && shape.length !== 2) {
      throw new DataError('SF_DATA_SCHEMA', `cnn1d: samples must be [features] or [steps, features]; got [${shape.join(', ')}].`, { shape: [...shape] });
    }
    const steps = shape[0] as number;
    const conv = this.padding === 'same' ? steps : steps - this.kernelSize + 1;
    if (conv < this.poolSize) {
      throw new DataError(
        'SF_DATA_SCHEMA',
        `cnn1d: a sequence of ${steps} steps is too short for kernelSize ${this.kernelSize} and poolSize ${this.poolSize} (padding '${this.padding}'); lower them or use padding 'same'.`,
        { steps, kernelSize: this.kernelSize, poolSize: this.poolSize },
      );
    }
  }
  protected buildLayers(ctx: BuildContext): tf.LayersModel {
    const m = tf.sequential();
    const shape = ctx.inputShape;
    const seq = shape.length === 1 ? [shape[0] as number, 1] : [...shape];
    if (shape.length === 1) m.add(tf.layers.reshape({ inputShape: [...shape], targetShape: seq }));
    m.add(
      tf.layers.conv1d({
        ...(shape.length === 1 ? {} : { inputShape: seq }),
        filters: this.filters,
        kernelSize: this.kernelSize,
        padding: this.padding,
        activation: 'relu',
        kernelInitializer: ctx.seeds.he(),
        kernelRegularizer: ctx.kernelRegularizer,
      }),
    );
    m.add(tf.layers.maxPooling1d({ poolSize: this.poolSize }));
    m.add(tf.layers.flatten());
    for (const units of this.dense) {
      m.add(tf.layers.dense({ units, activation: 'relu', kernelInitializer: ctx.seeds.he(), kernelRegularizer: ctx.kernelRegularizer }));
    }
    m.add(tf.layers.dense({ units: ctx.outputUnits, kernelInitializer: ctx.seeds.glorot(), kernelRegularizer: ctx.kernelRegularizer }));
    return m;
  }
}

registerNeuralKind('cnn1d', (o) => new CNN1D(o as CNN1DOptions));
registerEstimator('cnn1d', (dir) => loadNeuralEstimator(dir, 'cnn1d'));
