/**
 * shopfloor's TensorFlow.js models. Importing this module registers the kinds 'logreg', 'mlp',
 * 'cnn1d', 'lstm' and 'gru' with the estimator registry (`loadEstimator`).
 */
export { initBackend, backendName, backendInfo, type BackendChoice, type BackendOptions, type BackendInfo } from './backend.js';
export { registerWasmKernels } from './kernels/index.js';
export {
  NeuralEstimator,
  NEURAL_FORMAT_VERSION,
  loadNeuralEstimator,
  type NeuralOptions,
  type NeuralTask,
} from './neural-estimator.js';
export { LogisticRegression, type LogisticRegressionOptions } from './logistic-regression.js';
export { MLP, type MLPOptions } from './mlp.js';
export { CNN1D, type CNN1DOptions } from './cnn1d.js';
export { LSTM, GRU, type RecurrentOptions } from './recurrent.js';
export { INIT_SCHEMES, type InitScheme } from './torch-init.js';
