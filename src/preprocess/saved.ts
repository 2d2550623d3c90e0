/**
 * Reading any saved preprocessing state back by its `kind`, for model files that store a list of
 * steps without knowing their classes.
 */
import { ModelFormatError } from '../core/errors.js';
import { Imputer } from './imputer.js';
import { OneHotEncoder } from './one-hot.js';
import { TabularPipeline } from './pipeline.js';
import { RegimeNormalizer } from './regimes.js';
import { MinMaxScaler, StandardScaler } from './scalers.js';

/** Any fitted preprocessing step that saves itself with `toJSON()`. */
export type Transformer = Imputer | StandardScaler | MinMaxScaler | OneHotEncoder | TabularPipeline | RegimeNormalizer;

const READERS: Record<string, (json: unknown) => Transformer> = {
  [Imputer.kind]: (j) => Imputer.fromJSON(j),
  [StandardScaler.kind]: (j) => StandardScaler.fromJSON(j),
  [MinMaxScaler.kind]: (j) => MinMaxScaler.fromJSON(j),
  [OneHotEncoder.kind]: (j) => OneHotEncoder.fromJSON(j),
  [TabularPipeline.kind]: (j) => TabularPipeline.fromJSON(j),
  [RegimeNormalizer.kind]: (j) => RegimeNormalizer.fromJSON(j),
};

/**
 * Read a saved step of any kind (the `kind` field picks the class).
 * @example const step = transformerFromJSON(JSON.parse(text)); // e.g. a StandardScaler
 * @throws ModelFormatError for an unknown kind (listing the known ones) or malformed state.
 */
export function transformerFromJSON(json: unknown): Transformer {
  const kind = typeof json === 'object' && json !== null ? (json as { kind?: unknown }).kind : undefined;
  const read = typeof kind === 'string' ? READERS[kind] : undefined;
  if (!read) {
    throw new ModelFormatError(`Saved preprocessing step: unknown kind '${String(kind)}'; known kinds: ${Object.keys(READERS).join(', ')}.`, {
      kind,
      known: Object.keys(READERS),
    });
  }
  return read(json);
}
