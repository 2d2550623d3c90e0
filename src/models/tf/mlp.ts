/**
 * Multi-layer perceptron (the seed's "case 1": dense ReLU layers → sigmoid/softmax), on the shared
 * training engine.
 */
import { registerEstimator } from '../estimator.js';
import { tf } from './backend.js';
import { NeuralEstimator, loadNeuralEstimator, registerNeuralKind, type BuildContext, type NeuralOptions } from './neural-estimator.js';
import { enumOption, intListOption, numOption } from './options.js';

/** Options of {@link MLP}. */
export interface MLPOptions extends NeuralOptions {
  /** Units of each hidden layer [[64, 32]], 1–16 layers of 1–4096 units. */
  readonly hiddenUnits?: readonly number[];
  /** Hidden activation ['relu'] or 'tanh'. */
  readonly activation?: 'relu' | 'tanh';
  /** Dropout after each hidden layer [0], 0–0.9 (seeded). */
  readonly dropout?: number;
}

/**
 * Fully connected network; windows `[steps, features]` are flattened.
 * @throws ConfigError on an invalid option.
 * @example
 * const m = await new MLP({ hiddenUnits: [64, 32], epochs: 50, classWeight: 'balanced' }).fit(train, y);
 */
export class MLP extends NeuralEstimator {
  readonly kind = 'mlp';
  private readonly hidden: number[];
  private readonly activation: 'relu' | 'tanh';
  private readonly dropout: number;
  constructor(options: MLPOptions = {}) {
    super('mlp', options, ['hiddenUnits', 'activation', 'dropout']);
    this.hidden = intListOption('mlp', 'hiddenUnits', options.hiddenUnits, [64, 32], 1, 4096);
    this.activation = enumOption('mlp', 'activation', options.activation, 'relu', ['relu', 'tanh'] as const);
    this.dropout = numOption('mlp', 'dropout', options.dropout, 0, 0, 0.9);
  }
  protected buildLayers(ctx: BuildContext): tf.LayersModel {
    const m = tf.sequential();
    // Flatten needs rank ≥ 3 input; tabular rows go straight in.
    if (ctx.inputShape.length > 1) m.add(tf.layers.flatten({ inputShape: [...ctx.inputShape] }));
    else m.add(tf.layers.inputLayer({ inputShape: [...ctx.inputShape] }));
    for (const units of this.hidden) {
      m.add(
        tf.layers.dense({
          units,
          activation: this.activation,
          kernelInitializer: this.activation === 'relu' ? ctx.seeds.he() : ctx.seeds.glorot(),
          kernelRegularizer: ctx.kernelRegularizer,
        }),
      );
      if (this.dropout > 0) m.add(tf.layers.dropout({ rate: this.dropout, seed: ctx.seeds.next() }));
    }
    m.add(tf.layers.dense({ units: ctx.outputUnits, kernelInitializer: ctx.seeds.glorot(), kernelRegularizer: ctx.kernelRegularizer }));
    return m;
  }
}

registerNeuralKind('mlp', (o) => new MLP(o as MLPOptions));
registerEstimator('mlp', (dir) => loadNeuralEstimator(dir, 'mlp'));
