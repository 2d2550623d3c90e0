/**
 * Multi-layer perceptron (the seed's "case 1": dense ReLU layers → sigmoid/softmax), on the shared
 * training engine.
 */
import { registerEstimator } from '../estimator.js';
import { tf } from './backend.js';
import { NeuralEstimator, loadNeuralEstimator, registerNeuralKind, type BuildContext, type NeuralOptions } from './neural-estimator.js';
import { enumOption, intListOption } from './options.js';

/** Options of {@link MLP}. */
export interface MLPOptions extends NeuralOptions {
  /** Units of each hidden layer [[64, 32]], 1–16 layers of 1–4096 units. */
  readonly hiddenUnits?: readonly number[];
  /** Hidden activation ['relu'] or 'tanh'. */
  readonly activation?: 'relu' | 'tanh';
}
// No dropout option: tfjs's seeded dropout draws the same mask at every step, and unseeded dropout
// would break determinism. Regularise with `l2` and early stopping instead.

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
  constructor(options: MLPOptions = {}) {
    super('mlp', options, ['hiddenUnits', 'activation']);
    this.hidden = intListOption('mlp', 'hiddenUnits', options.hiddenUnits, [64, 32], 1, 4096);
    this.activation = enumOption('mlp', 'activation', options.activation, 'relu', ['relu', 'tanh'] as const);
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
    }
    m.add(tf.layers.dense({ units: ctx.outputUnits, kernelInitializer: ctx.seeds.glorot(), kernelRegularizer: ctx.kernelRegularizer }));
    return m;
  }
}

registerNeuralKind('mlp', (o) => new MLP(o as MLPOptions));
registerEstimator('mlp', (dir) => loadNeuralEstimator(dir, 'mlp'));
