/**
 * The TensorFlow.js backend shopfloor trains on, chosen once per process.
 *
 * - `auto` (the default): `@tensorflow/tfjs-node` (native libtensorflow) when it is installed, else the
 *   WebAssembly backend (`@tensorflow/tfjs-backend-wasm`, XNNPACK, 128-bit SIMD).
 * - `wasm`, `tensorflow`: exactly that backend, or a ShopfloorError `SF_BACKEND`.
 * - `cpu`: tfjs's pure-JavaScript backend (about 25× slower on matmul than wasm here). Only when asked
 *   for by name: when wasm fails to initialise we throw instead of silently running 25× slower.
 *
 * The wasm backend as shipped lacks `Conv2DBackpropFilter`, so Conv1D/Conv2D layers cannot train on it;
 * {@link initBackend} registers shopfloor's implementation (./kernels/) before the first op runs.
 *
 * Threads: tfjs-backend-wasm 4.22 disables its multi-threaded build under Node
 * (`WASM_HAS_MULTITHREAD_SUPPORT` is false when `IS_NODE`, tfjs issue #3830), so wasm runs on one
 * thread here whatever `threads` says; the value is passed on for the day that changes and is
 * reported by {@link backendInfo}. shopfloor's own fused LSTM/GRU kernels (./kernels/fused-rnn.ts) do
 * use a second thread when `threads` ≥ 2: they split the batch with a worker on shared wasm memory.
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { ShopfloorError, assertOneOf } from '../../core/errors.js';
import { kernelsUnavailable, setKernelThreads } from './kernels/wasm-module.js';
import { registerWasmKernels } from './kernels/index.js';

/** Which backend to use. `auto` = tfjs-node if installed, else wasm. */
export type BackendChoice = 'auto' | 'wasm' | 'tensorflow' | 'cpu';

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /** Default `auto`. */
  readonly backend?: BackendChoice;
  /** Worker threads for XNNPACK (wasm); default: the number of CPU cores. See the module note. */
  readonly threads?: number;
}

/** What ran: for reports and metrics. */
export interface BackendInfo {
  /** tfjs backend name: 'wasm', 'tensorflow' or 'cpu'. */
  readonly name: string;
  /** Threads the backend uses (1 for cpu; XNNPACK's actual count for wasm). */
  readonly threads: number;
  /** Whether the wasm binary with SIMD was loaded (wasm only). */
  readonly simd: boolean;
  /** Kernels shopfloor registered to fill gaps of the backend (and its fused LSTM/GRU layers, when built). */
  readonly patchedKernels: readonly string[];
}

let ready: Promise<BackendInfo> | null = null;
let requested: BackendChoice | null = null;
let info: BackendInfo | null = null;

const CHOICES: readonly BackendChoice[] = ['auto', 'wasm', 'tensorflow', 'cpu'];

async function tryImport(specifier: string): Promise<boolean> {
  try {
    // A variable specifier keeps TypeScript from requiring the optional package's types.
    await import(specifier);
    return true;
  } catch {
    return false;
  }
}

async function setUp(choice: BackendChoice, threads: number): Promise<BackendInfo> {
  if (choice === 'auto' || choice === 'tensorflow') {
    if (await tryImport('@tensorflow/tfjs-node')) {
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return { name: 'tensorflow', threads, simd: false, patchedKernels: [] };
      }
    }
    if (choice === 'tensorflow') {
      throw new ShopfloorError(
        'SF_BACKEND',
        "Backend 'tensorflow' requested but @tensorflow/tfjs-node is not installed or failed to load. " +
          "Install it (npm i @tensorflow/tfjs-node) or use backend 'wasm'.",
        { backend: choice },
      );
    }
  }
  if (choice === 'cpu') {
    if (!(await tf.setBackend('cpu'))) {
      throw new ShopfloorError('SF_BACKEND', "Backend 'cpu' failed to initialise.", { backend: 'cpu' });
    }
    await tf.ready();
    return { name: 'cpu', threads: 1, simd: false, patchedKernels: [] };
  }
  // wasm
  let cause = '';
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount(threads);
    setKernelThreads(threads);
    const patched = [...registerWasmKernels()];
    const rnnMissing = kernelsUnavailable();
    if (rnnMissing === null) patched.push('LSTM (fused)', 'GRU (fused)');
    else console.warn(`shopfloor backend note: fused LSTM/GRU kernels unavailable (${rnnMissing}); recurrent layers use tfjs's per-step path.`);
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
      let actual = 1;
      try {
        actual = wasm.getThreadsCount();
      } catch {
        actual = 1;
      }
      return { name: 'wasm', threads: actual, simd, patchedKernels: patched };
    }
    cause = 'tf.setBackend("wasm") returned false';
  } catch (e) {
    cause = e instanceof Error ? e.message : String(e);
  }
  throw new ShopfloorError(
    'SF_BACKEND',
    `The WebAssembly backend failed to initialise (${cause}). shopfloor does not fall back to the ` +
      "25× slower 'cpu' backend on its own: fix the wasm install, or ask for backend 'cpu' explicitly.",
    { backend: 'wasm', cause },
  );
}

/**
 * Initialise the TensorFlow.js backend once per process and resolve to what ran. Later calls return
 * the same promise; asking for a different backend after initialisation throws.
 *
 * @param opts `backend` (default `auto`), `threads` (default: CPU cores).
 * @throws ShopfloorError `SF_BACKEND` when the backend cannot start, ConfigError on a bad option.
 * @example
 * const { name } = await initBackend();   // 'wasm' on this machine
 */
export function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const choice = assertOneOf('backend', opts.backend ?? 'auto', CHOICES);
  if (ready) {
    if (requested !== choice && opts.backend !== undefined && !(requested === 'auto' && info?.name === choice)) {
      return Promise.reject(
        new ShopfloorError(
          'SF_BACKEND',
          `The TensorFlow.js backend is already initialised as '${info?.name ?? requested ?? '?'}'; ` +
            `cannot switch to '${choice}' in the same process.`,
          { current: info?.name ?? requested, requested: choice },
        ),
      );
    }
    return ready;
  }
  requested = choice;
  const threads = opts.threads ?? defaultThreads();
  ready = setUp(choice, threads).then(
    (i) => {
      info = i;
      return i;
    },
    (e: unknown) => {
      ready = null;
      requested = null;
      throw e;
    },
  );
  return ready;
}

function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Name of the backend that runs ('wasm', 'tensorflow' or 'cpu'), for reports and metrics.
 * @throws ShopfloorError `SF_BACKEND` before {@link initBackend} has resolved.
 */
export function backendName(): string {
  return backendInfo().name;
}

/**
 * Details of the running backend (name, threads, SIMD, kernels shopfloor patched in).
 * @throws ShopfloorError `SF_BACKEND` before {@link initBackend} has resolved.
 */
export function backendInfo(): BackendInfo {
  if (!info) {
    throw new ShopfloorError('SF_BACKEND', 'The TensorFlow.js backend is not initialised: await initBackend() first.');
  }
  return info;
}

/** The tfjs namespace shopfloor uses (one instance for every module). */
export { tf };
