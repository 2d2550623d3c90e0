/**
 * The fleet simulator: seeded, documented machine data that every capability runs on without
 * downloads (docs/simulator.md).
 */
export * from './milling.js';
export * from './run-to-failure.js';
export { DEFAULT_START_MS } from './options.js';
export * from './anomaly-stream.js';
