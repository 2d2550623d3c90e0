/**
 * The deep 1-D CNN of Li, Ding & Sun, "Remaining useful life estimation in prognostics using deep
 * convolution neural networks", Reliability Engineering & System Safety 172 (2018) — RMSE 12.61 on
 * FD001: several convolutions over time with 'same' padding (kernel 10, 10 filters, tanh), a one-filter
 * convolution (kernel 3), flatten, a tanh dense layer of 100 units and a linear output. Li et al.
 * convolve each sensor separately (2-D kernels 10×1); here the sensors are the channels of a 1-D
 * convolution, which mixes them from the first layer (the usual 1-D reading of the paper, and what
 * the PyTorch benchmark in bench/rul_torch.py builds). Li et al. use dropout 0.5 before the dense
 * layer; tfjs's seeded dropout repeats its mask, so this net relies on early stopping instead.
 *
 * It lives with the RUL task (the generic `cnn1d` of src/models/tf has one convolution).
 */
import { DataError } from '../../core/errors.js';
import { registerEstimator } from '../../models/estimator.js';
import { tf } from '../../models/tf/backend.js';
import { NeuralEstimator, loadNeuralEstimator, registerNeuralKind, type BuildContext, type Initializer, type NeuralOptions } from '../../models/tf/neural-estimator.js';
import { enumOption, intOption } from '../../models/tf/options.js';
import { INIT_SCHEMES, torchBias, torchKernel, type InitScheme } from '../../models/tf/torch-init.js';

/** Options of {@link DeepCNN1D}. */
export interface DeepCNN1DOptions extends NeuralOptions {
  /** Convolution layers before the one-filter layer [4], 1–16. */
  readonly convLayers?: number;
  /** Filters per convolution [10], 1–1024. */
  readonly filters?: number;
  /** Kernel length in steps [10], 1–64. */
  readonly kernelSize?: number;
  /** Units of the dense layer [100], 1–4096. */
  readonly denseUnits?: number;
  /** Activation of the hidden layers ['tanh'] (as Li et al.) or 'relu'. */
  readonly activation?: 'tanh' | 'relu';
  /**
   * Weight initialisation ['keras']: Glorot-uniform kernels (He for relu) and zero biases, TF.js's
   * defaults; or 'torch', PyTorch's defaults (U(±1/√fanIn) kernels and biases; src/models/tf/torch-init.ts).
   */
  readonly init?: InitScheme;
}

/**
 * Li et al. (2018) deep CNN over windows `[steps, features]`.
 * @throws ConfigError on an invalid option; DataError in fit for samples that are not windows.
 * @example const m = await new DeepCNN1D({ task: 'regression', epochs: 60 }).fit(windows, rul);
 */
export class DeepCNN1D extends NeuralEstimator {
  readonly kind = 'dcnn';
  private readonly convLayers: number;
  private readonly filters: number;
  private readonly kernelSize: number;
  private readonly denseUnits: number;
  private readonly activation: 'tanh' | 'relu';
  private readonly init: InitScheme;

  constructor(options: DeepCNN1DOptions = {}) {
    super('dcnn', options, ['convLayers', 'filters', 'kernelSize', 'denseUnits', 'activation', 'init'], { task: 'regression' });
    this.convLayers = intOption('dcnn', 'convLayers', options.convLayers, 4, 1, 16);
    this.filters = intOption('dcnn', 'filters', options.filters, 10, 1, 1024);
    this.kernelSize = intOption('dcnn', 'kernelSize', options.kernelSize, 10, 1, 64);
    this.denseUnits = intOption('dcnn', 'denseUnits', options.denseUnits, 100, 1, 4096);
    this.activation = enumOption('dcnn', 'activation', options.activation, 'tanh', ['tanh', 'relu'] as const);
    this.init = enumOption('dcnn', 'init', options.init, 'keras', INIT_SCHEMES);
  }

  protected override checkShape(shape: readonly number[]): void {
    if (shape.length !== 2) {
      throw new DataError('SF_DATA_SCHEMA', `dcnn: samples must be [steps, features] windows; got [${shape.join(', ')}].`, { shape: [...shape] });
    }
  }

  protected buildLayers(ctx: BuildContext): tf.LayersModel {
    const m = tf.sequential();
    const torch = this.init === 'torch';
    // Kernel and bias initialisers of a layer with `fanIn` inputs per output (PyTorch's fan-in).
    const init = (fanIn: number, last = false): { kernelInitializer: Initializer; biasInitializer?: Initializer } => {
      if (torch) return { kernelInitializer: torchKernel(ctx.seeds), biasInitializer: torchBias(ctx.seeds, fanIn) };
      return { kernelInitializer: !last && this.activation === 'relu' ? ctx.seeds.he() : ctx.seeds.glorot() };
    };
    const steps = ctx.inputShape[0] as number;
    let channels = ctx.inputShape[1] as number;
    for (let l = 0; l < this.convLayers; l++) {
      m.add(
        tf.layers.conv1d({
          ...(l === 0 ? { inputShape: [...ctx.inputShape] } : {}),
          filters: this.filters,
          kernelSize: this.kernelSize,
          padding: 'same',
          activation: this.activation,
          ...init(this.kernelSize * channels),
          kernelRegularizer: ctx.kernelRegularizer,
        }),
      );
      channels = this.filters;
    }
    m.add(tf.layers.conv1d({ filters: 1, kernelSize: 3, padding: 'same', activation: this.activation, ...init(3 * channels), kernelRegularizer: ctx.kernelRegularizer }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: this.denseUnits, activation: this.activation, ...init(steps), kernelRegularizer: ctx.kernelRegularizer }));
    m.add(tf.layers.dense({ units: ctx.outputUnits, ...init(this.denseUnits, true), kernelRegularizer: ctx.kernelRegularizer }));
    return m;
  }
}

registerNeuralKind('dcnn', (o) => new DeepCNN1D(o as DeepCNN1DOptions));
registerEstimator('dcnn', (dir) => loadNeuralEstimator(dir, 'dcnn'));
