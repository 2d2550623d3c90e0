/**
 * Drop-in `tf.layers.lstm` / `tf.layers.gru` whose forward and backward passes run through
 * {@link fusedRnn} (one wasm call per layer) on the wasm backend. Same class names, configs and
 * weights as tfjs's layers, so saved models are unchanged and load either way; registered for
 * deserialisation so loaded models use the fused path too.
 *
 * Falls back to tfjs's per-step implementation (logged once) when the wasm module is not built, and
 * silently (it is not a speed regression, just the stock path) for what the fused op does not cover:
 * backends other than wasm, masks, initial states, stateful or reversed layers, returnState, dropout,
 * no bias, or activations other than tanh / sigmoid.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedRnn } from './fused-rnn.js';
import { kernelsUnavailable } from './wasm-module.js';

type LayerArgs = Parameters<typeof tf.layers.lstm>[0];
type Kwargs = Record<string, unknown> | undefined;

interface RnnInternals {
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
  cell: {
    kernel: tf.LayerVariable;
    recurrentKernel: tf.LayerVariable;
    bias: tf.LayerVariable | null;
    useBias: boolean;
    dropout: number;
    recurrentDropout: number;
    units: number;
    getConfig(): tf.serialization.ConfigDict;
  };
}

interface RnnLayerInstance extends tf.layers.Layer {
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[];
}
type RnnLayerClass = new (args: LayerArgs) => RnnLayerInstance;

let warned = false;

/** Whether a layer call can take the fused path. */
function fusable(layer: RnnInternals, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | null {
  if (tf.getBackend() !== 'wasm') return null;
  const x = Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : null) : inputs;
  if (!x || x.rank !== 3 || x.dtype !== 'float32') return null;
  if (kwargs?.['mask'] != null || kwargs?.['initialState'] != null) return null;
  if (layer.stateful || layer.goBackwards || layer.returnState) return null;
  const c = layer.cell;
  if (!c.useBias || !c.bias || c.dropout > 0 || c.recurrentDropout > 0) return null;
  const cfg = c.getConfig();
  if (cfg['activation'] !== 'tanh' || cfg['recurrentActivation'] !== 'sigmoid') return null;
  if (kernelsUnavailable() !== null) {
    if (!warned) {
      warned = true;
      console.warn(`shopfloor: fused LSTM/GRU kernels unavailable (${kernelsUnavailable() ?? ''}); using tfjs's per-step recurrent layers (much slower).`);
    }
    return null;
  }
  return x;
}

function fusedClass(kind: 'lstm' | 'gru'): RnnLayerClass {
  const factory = kind === 'lstm' ? tf.layers.lstm : tf.layers.gru;
  const Base = factory({ units: 1 }).constructor as unknown as RnnLayerClass;
  class Fused extends Base {
    override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
      const self = this as unknown as RnnInternals;
      const x = fusable(self, inputs, kwargs);
      if (!x) return super.call(inputs, kwargs);
      const c = self.cell;
      return tf.tidy(() => fusedRnn(kind, x, c.kernel.read(), c.recurrentKernel.read(), (c.bias as tf.LayerVariable).read(), self.returnSequences));
    }
  }
  // Same serialised class name as tfjs's layer ('LSTM' / 'GRU'): configs and saved models unchanged.
  tf.serialization.registerClass(Fused as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
  return Fused;
}

/** tfjs's LSTM layer class with the fused forward/backward. */
export const FusedLSTM = fusedClass('lstm');
/** tfjs's GRU layer class with the fused forward/backward. */
export const FusedGRU = fusedClass('gru');

/** Like `tf.layers.lstm(args)`, fused. */
export function fusedLstmLayer(args: LayerArgs): tf.layers.Layer {
  return new FusedLSTM(args);
}

/** Like `tf.layers.gru(args)`, fused. */
export function fusedGruLayer(args: LayerArgs): tf.layers.Layer {
  return new FusedGRU(args);
}
