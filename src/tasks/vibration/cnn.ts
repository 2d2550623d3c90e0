/**
 * WDCNN, the "deep convolutional neural network with wide first-layer kernels" of Zhang, Peng, Li,
 * Chen & Zhang, "A new deep learning model for fault diagnosis with good anti-noise and domain
 * adaptation ability on raw vibration signals", Sensors 17(2):425 (2017), on raw windows
 * `[steps, 1]`: a wide first convolution (kernel 64, stride 16, 16 filters) that acts as a learned
 * filter bank, then small-kernel convolutions (kernel 3) each followed by max-pooling 2, a dense layer
 * of 100 units and the class logits. Zhang et al. add batch normalisation after each convolution;
 * this version has none (the shared training engine has no batch-statistics state) and relies on the
 * engine's input standardisation and Adam. The PyTorch twin is in bench/cwru_torch.py.
 */
import { DataError } from '../../core/errors.js';
import { registerEstimator } from '../../models/estimator.js';
import { tf } from '../../models/tf/backend.js';
import { NeuralEstimator, loadNeuralEstimator, registerNeuralKind, type BuildContext, type NeuralOptions } from '../../models/tf/neural-estimator.js';
import { intListOption, intOption } from '../../models/tf/options.js';

/** Options of {@link WDCNN}. */
export interface WDCNNOptions extends NeuralOptions {
  /** Kernel length of the first (wide) convolution [64], 2–1024. */
  readonly firstKernel?: number;
  /** Stride of the first convolution [16], 1–256. */
  readonly firstStride?: number;
  /** Filters of each convolution [[16, 32, 64, 64, 64]]: the first is the wide layer. */
  readonly filters?: readonly number[];
  /** Units of the hidden dense layer [100], 1–4096. */
  readonly denseUnits?: number;
}

/**
 * WDCNN over raw vibration windows.
 * @throws ConfigError on an invalid option; DataError in fit for samples that are not `[steps, channels]`
 *   or too short for the layers.
 * @example const m = await new WDCNN({ epochs: 30, seed: 1 }).fit(windows, y, { validation });
 */
export class WDCNN extends NeuralEstimator {
  readonly kind = 'wdcnn';
  private readonly firstKernel: number;
  private readonly firstStride: number;
  private readonly filters: number[];
  private readonly denseUnits: number;

  constructor(options: WDCNNOptions = {}) {
    super('wdcnn', options, ['firstKernel', 'firstStride', 'filters', 'denseUnits']);
    this.firstKernel = intOption('wdcnn', 'firstKernel', options.firstKernel, 64, 2, 1024);
    this.firstStride = intOption('wdcnn', 'firstStride', options.firstStride, 16, 1, 256);
    this.filters = intListOption('wdcnn', 'filters', options.filters, [16, 32, 64, 64, 64], 1, 1024, 1);
    this.denseUnits = intOption('wdcnn', 'denseUnits', options.denseUnits, 100, 1, 4096);
  }

  /** Sequence length after the first convolution and each pooling (the last conv is 'valid'). */
  private lengths(steps: number): number[] {
    const out: number[] = [];
    let len = Math.ceil(steps / this.firstStride);
    for (let l = 0; l < this.filters.length; l++) {
      if (l === this.filters.length - 1 && l > 0) len = len - 2;
      len = Math.floor(len / 2);
      out.push(len);
    }
    return out;
  }

  protected override checkShape(shape: readonly number[]): void {
    if (shape.length !== 2) {
      throw new DataError('SF_DATA_SCHEMA', `wdcnn: samples must be [steps, channels] windows; got [${shape.join(', ')}].`, { shape: [...shape] });
    }
    const lens = this.lengths(shape[0] as number);
    if (lens.some((l) => l < 1)) {
      throw new DataError(
        'SF_DATA_SCHEMA',
        `wdcnn: a window of ${shape[0]} steps is too short for ${this.filters.length} convolution+pooling stages after a stride-${this.firstStride} first layer; use a longer window or fewer filters.`,
        { steps: shape[0], stages: this.filters.length },
      );
    }
  }

  protected buildLayers(ctx: BuildContext): tf.LayersModel {
    const m = tf.sequential();
    this.filters.forEach((filters, l) => {
      const last = l === this.filters.length - 1 && l > 0;
      m.add(
        tf.layers.conv1d({
          ...(l === 0 ? { inputShape: [...ctx.inputShape] } : {}),
          filters,
          kernelSize: l === 0 ? this.firstKernel : 3,
          strides: l === 0 ? this.firstStride : 1,
          padding: last ? 'valid' : 'same',
          activation: 'relu',
          kernelInitializer: ctx.seeds.he(),
          kernelRegularizer: ctx.kernelRegularizer,
        }),
      );
      m.add(tf.layers.maxPooling1d({ poolSize: 2 }));
    });
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: this.denseUnits, activation: 'relu', kernelInitializer: ctx.seeds.he(), kernelRegularizer: ctx.kernelRegularizer }));
    m.add(tf.layers.dense({ units: ctx.outputUnits, kernelInitializer: ctx.seeds.glorot(), kernelRegularizer: ctx.kernelRegularizer }));
    return m;
  }
}

registerNeuralKind('wdcnn', (o) => new WDCNN(o as WDCNNOptions));
registerEstimator('wdcnn', (dir) => loadNeuralEstimator(dir, 'wdcnn'));
