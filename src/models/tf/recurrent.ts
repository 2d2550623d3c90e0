/**
 * LSTM and GRU networks for windows `[steps, features]` (e.g. C-MAPSS sensor windows): stacked
 * recurrent layers (all but the last return sequences) → optional dense layers → linear output
 * (sigmoid/softmax in the loss for classification; a number for regression such as remaining useful
 * life). Tabular rows `[features]` are read as a 1-feature sequence.
 */
import { DataError } from '../../core/errors.js';
import { registerEstimator } from '../estimator.js';
import { tf } from './backend.js';
import { fusedGruLayer, fusedLstmLayer } from './kernels/fused-rnn-layers.js';
import { setLearningRateScale } from './adam.js';
import { NeuralEstimator, loadNeuralEstimator, registerNeuralKind, type BuildContext, type NeuralOptions } from './neural-estimator.js';
import { enumOption, intListOption } from './options.js';
import { INIT_SCHEMES, setTorchRecurrentBias, torchBias, torchKernel, torchUniform, type InitScheme } from './torch-init.js';

/** Options of {@link LSTM} and {@link GRU}. */
export interface RecurrentOptions extends NeuralOptions {
  /** Units of each stacked recurrent layer [[64, 32]], 1–16 layers of 1–1024 units. */
  readonly units?: readonly number[];
  /** Dense ReLU layers after the recurrent stack [[]], 0–16 layers of 1–4096 units. */
  readonly denseUnits?: readonly number[];
  /**
   * Weight initialisation ['keras']: TF.js's defaults (Glorot-uniform input kernels, orthogonal recurrent
   * kernels, zero biases; He-uniform dense ReLU layers); or 'torch', PyTorch's defaults (recurrent layers:
   * every weight U(±1/√H), bias the sum of two U(±1/√H) as PyTorch's b_ih + b_hh; dense layers:
   * U(±1/√fanIn) kernels and biases; ./torch-init.ts). With 'torch' the LSTM also trains like nn.LSTM's
   * two biases: its bias takes twice the Adam step (their sum's step; ./adam.ts setLearningRateScale).
   */
  readonly init?: InitScheme;
}

abstract class RecurrentNet extends NeuralEstimator {
  private readonly units: number[];
  private readonly dense: number[];
  private readonly init: InitScheme;
  protected constructor(owner: 'lstm' | 'gru', options: RecurrentOptions) {
    super(owner, options, ['units', 'denseUnits', 'init']);
    this.units = intListOption(owner, 'units', options.units, [64, 32], 1, 1024);
    this.dense = intListOption(owner, 'denseUnits', options.denseUnits, [], 1, 4096, 0);
    this.init = enumOption(owner, 'init', options.init, 'keras', INIT_SCHEMES);
  }
  /** The layer factory: tfjs's LSTM/GRU with shopfloor's fused whole-sequence kernels (./kernels/fused-rnn.ts). */
  protected abstract cell(): (args: Parameters<typeof tf.layers.lstm>[0]) => tf.layers.Layer;
  protected override checkShape(shape: readonly number[]): void {
    if (shape.length !== 1 && shape.length !== 2) {
      throw new DataError('SF_DATA_SCHEMA', `${this.kind}: samples must be [steps, features] windows (or [features]); got [${shape.join(', ')}].`, {
        shape: [...shape],
      });
    }
  }
  protected buildLayers(ctx: BuildContext): tf.LayersModel {
    const m = tf.sequential();
    const shape = ctx.inputShape;
    const seq = shape.length === 1 ? [shape[0] as number, 1] : [...shape];
    if (shape.length === 1) m.add(tf.layers.reshape({ inputShape: [...shape], targetShape: seq }));
    const rnn = this.cell();
    const torch = this.init === 'torch';
    this.units.forEach((units, i) => {
      const layer = rnn({
        ...(i === 0 && shape.length !== 1 ? { inputShape: seq } : {}),
        units,
        returnSequences: i < this.units.length - 1,
        // tfjs-layers defaults to Keras 1's hard sigmoid; Keras 2 and PyTorch use the logistic
        // sigmoid (smoother gradients, and 4 fewer kernels per gate and step on wasm).
        recurrentActivation: 'sigmoid',
        kernelInitializer: torch ? torchUniform(ctx.seeds, 1 / Math.sqrt(units)) : ctx.seeds.glorot(),
        recurrentInitializer: torch ? torchUniform(ctx.seeds, 1 / Math.sqrt(units)) : ctx.seeds.orthogonal(),
        kernelRegularizer: ctx.kernelRegularizer,
      });
      m.add(layer);
      if (torch) {
        setTorchRecurrentBias(layer, units, ctx.seeds);
        // nn.LSTM's b_ih + b_hh: one bias trained at twice the step is the same function and the same
        // Adam trajectory (both biases always get the same gradient). Not for the GRU: PyTorch's b_hn
        // sits inside the reset gate's product, which TF.js's GRU cell does not have.
        if (this.kind === 'lstm') setLearningRateScale(layer.weights[2]?.read() as tf.Variable, 2);
      }
    });
    let fanIn = this.units[this.units.length - 1] as number;
    for (const units of this.dense) {
      const init = torch ? { kernelInitializer: torchKernel(ctx.seeds), biasInitializer: torchBias(ctx.seeds, fanIn) } : { kernelInitializer: ctx.seeds.he() };
      m.add(tf.layers.dense({ units, activation: 'relu', ...init, kernelRegularizer: ctx.kernelRegularizer }));
      fanIn = units;
    }
    const out = torch ? { kernelInitializer: torchKernel(ctx.seeds), biasInitializer: torchBias(ctx.seeds, fanIn) } : { kernelInitializer: ctx.seeds.glorot() };
    m.add(tf.layers.dense({ units: ctx.outputUnits, ...out, kernelRegularizer: ctx.kernelRegularizer }));
    return m;
  }
}

/**
 * Long short-term memory network (Hochreiter & Schmidhuber 1997) over windows.
 * @throws ConfigError on an invalid option.
 * @example
 * const rul = await new LSTM({ task: 'regression', units: [64, 32] }).fit(windows, rulTargets);
 */
export class LSTM extends RecurrentNet {
  readonly kind = 'lstm';
  constructor(options: RecurrentOptions = {}) {
    super('lstm', options);
  }
  protected cell(): typeof fusedLstmLayer {
    return fusedLstmLayer;
  }
}

/**
 * Gated recurrent unit network (Cho et al. 2014) over windows.
 * @throws ConfigError on an invalid option.
 * @example
 * const m = await new GRU({ units: [32] }).fit(windows, y);
 */
export class GRU extends RecurrentNet {
  readonly kind = 'gru';
  constructor(options: RecurrentOptions = {}) {
    super('gru', options);
  }
  protected cell(): typeof fusedGruLayer {
    return fusedGruLayer;
  }
}

registerNeuralKind('lstm', (o) => new LSTM(o as RecurrentOptions));
registerNeuralKind('gru', (o) => new GRU(o as RecurrentOptions));
registerEstimator('lstm', (dir) => loadNeuralEstimator(dir, 'lstm'));
registerEstimator('gru', (dir) => loadNeuralEstimator(dir, 'gru'));
