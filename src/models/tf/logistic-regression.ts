/**
 * Logistic regression (binary) / softmax regression (multiclass) / linear regression, trained by the
 * shared engine.
 *
 * Why a one-layer tf network rather than a hand-rolled L-BFGS/Newton solver: it shares the engine's
 * class and sample weights, validation early stopping, seeding, standardisation and save/load with the
 * other neural models, so the model comparison is apples to apples; with standardised inputs and an L2
 * penalty the problem is strongly convex and full-batch-ish Adam (default batch 256, lr 0.01) reaches
 * the optimum to well within the noise of any metric in a few hundred cheap epochs. The price is that
 * the solution is approximate (a second-order solver would hit the optimum to 1e-8); for a baseline
 * model that is acceptable.
 */
import { registerEstimator } from '../estimator.js';
import { tf } from './backend.js';
import { NeuralEstimator, loadNeuralEstimator, registerNeuralKind, type BuildContext, type NeuralOptions } from './neural-estimator.js';

/** Options of {@link LogisticRegression}: only the common {@link NeuralOptions} (defaults: epochs 300, batchSize 256, learningRate 0.01, l2 1e-4, patience 20). */
export type LogisticRegressionOptions = NeuralOptions;

/**
 * Logistic regression on standardised features (windows are flattened).
 * @throws ConfigError on an invalid option.
 * @example
 * const m = await new LogisticRegression({ classWeight: 'balanced' }).fit(tabular(x, n, d), y);
 * const p = await m.predictProba(tabular(xTest, nTest, d));
 */
export class LogisticRegression extends NeuralEstimator {
  readonly kind = 'logreg';
  constructor(options: LogisticRegressionOptions = {}) {
    super('logreg', options, [], { epochs: 300, batchSize: 256, learningRate: 0.01, l2: 1e-4, patience: 20 });
  }
  protected buildLayers(ctx: BuildContext): tf.LayersModel {
    const m = tf.sequential();
    // Flatten needs rank ≥ 3 input; tabular rows go straight in.
    if (ctx.inputShape.length > 1) m.add(tf.layers.flatten({ inputShape: [...ctx.inputShape] }));
    else m.add(tf.layers.inputLayer({ inputShape: [...ctx.inputShape] }));
    m.add(tf.layers.dense({ units: ctx.outputUnits, kernelInitializer: ctx.seeds.glorot(), kernelRegularizer: ctx.kernelRegularizer }));
    return m;
  }
}

registerNeuralKind('logreg', (o) => new LogisticRegression(o as LogisticRegressionOptions));
registerEstimator('logreg', (dir) => loadNeuralEstimator(dir, 'logreg'));
