/**
 * Worker-thread entry for {@link solve}: runs {@link solveSingle} with this worker's seed and posts
 * progress (`{type:'progress', cost}`) and the final result (`{type:'done', result}`).
 * The shared `stop` flag in the options ends the search early (another worker proved optimality).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ProblemData } from './model.js';
import { solveSingle, type SingleOptions } from './solve.js';

const { problem, options } = workerData as { problem: ProblemData; options: SingleOptions };
const port = parentPort;
if (!port) throw new Error('scheduling worker started outside a worker thread');
const result = solveSingle(problem, options, (cost, snapshot) => port.postMessage({ type: 'progress', cost, atEpochMs: Date.now(), snapshot }));
port.postMessage({ type: 'done', result });
port.close();
