/**
 * shopfloor's WebAssembly kernels: the one module `npm run build:wasm` compiles (into
 * build/wasm/kernels.wasm) and src/models/tf/kernels/wasm-module.ts loads. Each kernel family lives in
 * its own file and is re-exported here; they share the module's memory and worker thread.
 */
export * from './rnn';
export * from './gemm';
export * from './conv';
export * from './attention';
export * from './dense';
export * from './adam';
