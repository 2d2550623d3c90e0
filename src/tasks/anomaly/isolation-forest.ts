/**
 * Isolation forest (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008): anomalies are few and different,
 * so random axis-parallel splits isolate them in fewer steps. Each tree is grown on a random subsample
 * of ψ rows to height ⌈log₂ ψ⌉; the score of x is s(x) = 2^(−E[h(x)] / c(ψ)), where h is the path length
 * (plus c(size) at an unsplit leaf) and c(n) = 2H(n − 1) − 2(n − 1)/n is the average path length of an
 * unsuccessful search in a binary search tree. s near 1 is anomalous, s well below 0.5 normal.
 * Every random choice comes from the seeded {@link Rng}.
 */
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';

/** Options of {@link IsolationForest}. */
export interface IsolationForestOptions {
  /** Trees (1 … 1000). Default 100 (Liu et al.: path lengths converge well before 100). */
  readonly trees?: number;
  /** Subsample size ψ per tree (2 … 65,536). Default 256 (the paper's default). */
  readonly sampleSize?: number;
  /** Seed of the random stream. Default 42. */
  readonly seed?: number;
}

/** One tree as flat arrays; `feature[i] = -1` marks a leaf whose `size` rows were not separated. */
interface FlatTree {
  feature: number[];
  split: number[];
  left: number[];
  right: number[];
  size: number[];
}

/** Saved state of a fitted forest (plain JSON). */
export interface IsolationForestState {
  readonly kind: 'isolation-forest';
  readonly nFeatures: number;
  readonly sampleSize: number;
  readonly trees: FlatTree[];
}

const EULER = 0.5772156649015329;

/** Average path length of an unsuccessful BST search among n points (Liu et al. 2008, eq. 1). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER) - (2 * (n - 1)) / n;
}

/**
 * Isolation forest over row-major samples.
 * @example
 * const f = new IsolationForest({ seed: 1 }).fit(x, nRows, nCols);
 * const s = f.score(x, nRows);   // Float64Array, higher = more anomalous
 */
export class IsolationForest {
  private readonly trees: number;
  private readonly sampleSize: number;
  private readonly seed: number;
  private state: IsolationForestState | null = null;

  /** @throws ConfigError for out-of-range options. */
  constructor(opts: IsolationForestOptions = {}) {
    this.trees = opts.trees ?? 100;
    this.sampleSize = opts.sampleSize ?? 256;
    this.seed = opts.seed ?? 42;
    if (!Number.isInteger(this.trees) || this.trees < 1 || this.trees > 1000) {
      throw new ConfigError(`trees: expected an integer in [1, 1000]; got ${this.trees}.`, { option: 'trees', value: this.trees });
    }
    if (!Number.isInteger(this.sampleSize) || this.sampleSize < 2 || this.sampleSize > 65_536) {
      throw new ConfigError(`sampleSize: expected an integer in [2, 65536]; got ${this.sampleSize}.`, { option: 'sampleSize', value: this.sampleSize });
    }
  }

  /** Grow the forest on `x` (row-major nRows × nCols, finite values). Returns `this`. */
  fit(x: Float64Array, nRows: number, nCols: number): this {
    if (nRows < 2) throw new ConfigError(`Isolation forest: need at least 2 training rows; got ${nRows}.`, { rows: nRows });
    const rng = new Rng(this.seed);
    const psi = Math.min(this.sampleSize, nRows);
    const heightLimit = Math.ceil(Math.log2(psi));
    const trees: FlatTree[] = [];
    const all = new Int32Array(nRows);
    for (let i = 0; i < nRows; i++) all[i] = i;
    for (let t = 0; t < this.trees; t++) {
      // Partial Fisher–Yates: the first psi entries become a uniform sample without replacement.
      for (let i = 0; i < psi; i++) {
        const j = i + rng.int(nRows - i);
        const tmp = all[i] as number;
        all[i] = all[j] as number;
        all[j] = tmp;
      }
      const rows = all.slice(0, psi);
      const tree: FlatTree = { feature: [], split: [], left: [], right: [], size: [] };
      grow(tree, x, nCols, rows, 0, heightLimit, rng);
      trees.push(tree);
    }
    this.state = { kind: 'isolation-forest', nFeatures: nCols, sampleSize: psi, trees };
    return this;
  }

  /** True after {@link fit} or {@link fromJSON}. */
  get fitted(): boolean {
    return this.state !== null;
  }

  /** Anomaly score s(x) ∈ (0, 1] of every row of `x` (row-major, nRows × nFeatures). */
  score(x: Float64Array, nRows: number): Float64Array {
    const s = this.state;
    if (!s) throw new Error('IsolationForest.score before fit');
    const p = s.nFeatures;
    const out = new Float64Array(nRows);
    const cn = averagePathLength(s.sampleSize);
    for (let r = 0; r < nRows; r++) {
      let total = 0;
      for (const tree of s.trees) {
        let node = 0;
        let depth = 0;
        for (;;) {
          const f = tree.feature[node] as number;
          if (f < 0) {
            total += depth + averagePathLength(tree.size[node] as number);
            break;
          }
          node = (x[r * p + f] as number) < (tree.split[node] as number) ? (tree.left[node] as number) : (tree.right[node] as number);
          depth++;
        }
      }
      out[r] = Math.pow(2, -total / s.trees.length / cn);
    }
    return out;
  }

  /** The fitted forest as plain JSON. */
  toJSON(): IsolationForestState {
    if (!this.state) throw new Error('IsolationForest.toJSON before fit');
    return this.state;
  }

  /** Restore from {@link toJSON}. */
  static fromJSON(s: IsolationForestState): IsolationForest {
    if (s?.kind !== 'isolation-forest' || !Array.isArray(s.trees) || !Number.isInteger(s.nFeatures)) throw new Error('bad isolation forest state');
    const f = new IsolationForest({ trees: Math.max(1, s.trees.length), sampleSize: Math.max(2, s.sampleSize) });
    f.state = s;
    return f;
  }
}

/** Grow one isolation tree (Liu et al. 2008, Algorithm 2) into flat arrays; returns the node index. */
function grow(tree: FlatTree, x: Float64Array, p: number, rows: Int32Array, depth: number, limit: number, rng: Rng): number {
  const id = tree.feature.length;
  tree.feature.push(-1);
  tree.split.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.size.push(rows.length);
  if (depth >= limit || rows.length <= 1) return id;
  // Pick a random feature that is not constant on these rows (try each feature at most once).
  const order = Array.from({ length: p }, (_, i) => i);
  for (let tries = 0; tries < p; tries++) {
    const k = tries + rng.int(p - tries);
    const f = order[k] as number;
    order[k] = order[tries] as number;
    order[tries] = f;
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows) {
      const v = x[r * p + f] as number;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) continue;
    let split = rng.uniform(lo, hi);
    if (split <= lo) split = (lo + hi) / 2;
    const left: number[] = [];
    const right: number[] = [];
    for (const r of rows) ((x[r * p + f] as number) < split ? left : right).push(r);
    tree.feature[id] = f;
    tree.split[id] = split;
    tree.left[id] = grow(tree, x, p, Int32Array.from(left), depth + 1, limit, rng);
    tree.right[id] = grow(tree, x, p, Int32Array.from(right), depth + 1, limit, rng);
    return id;
  }
  return id; // every feature constant: an unsplittable leaf
}
