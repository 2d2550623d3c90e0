/**
 * Weights of the anomaly scorers' TensorFlow.js networks as plain JSON inside `detector.json`
 * (shared by the autoencoders and the Transformer forecaster).
 */
import { tf } from '../../models/tf/backend.js';

/** One weight tensor as saved: its shape and its values in row-major order. */
export interface SavedWeight {
  readonly shape: number[];
  readonly values: number[];
}

/** The model's weights as JSON-ready arrays. */
export function weightsToJSON(model: tf.LayersModel): SavedWeight[] {
  return model.getWeights().map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
}

/**
 * Load saved weights into a freshly built model of the same architecture. On a mismatch the model is
 * disposed and an Error is thrown (the caller turns it into SF_MODEL_FORMAT with the file name).
 */
export function setWeightsFromJSON(model: tf.LayersModel, saved: unknown): void {
  const weights = saved as SavedWeight[] | undefined;
  const expected = model.getWeights();
  if (!Array.isArray(weights) || weights.length !== expected.length || weights.some((wt, i) => wt?.values?.length !== (expected[i] as tf.Tensor).size)) {
    model.dispose();
    throw new Error('weights missing or of the wrong architecture');
  }
  const ts = weights.map((wt) => tf.tensor(wt.values, wt.shape));
  try {
    model.setWeights(ts);
  } finally {
    tf.dispose(ts);
  }
}
