/**
 * Seeded k-means (Lloyd's algorithm with k-means++ initialisation: Arthur & Vassilvitskii, "k-means++:
 * The Advantages of Careful Seeding", SODA 2007). Used to find operating regimes.
 */
import { ConfigError, DataError } from '../core/errors.js';
import { Rng } from '../core/random.js';

/** Options of {@link kMeans}. */
export interface KMeansOptions {
  /** Number of clusters, an integer ≥ 1. */
  readonly k: number;
  /** Seed of the initialisation (default 0). */
  readonly seed?: number;
  /** Restarts; the run with the lowest inertia wins (default 4). */
  readonly nInit?: number;
  /** Lloyd iterations per run (default 100). */
  readonly maxIter?: number;
}

/** Result of {@link kMeans}. */
export interface KMeansResult {
  /** Row-major k × d centroids. */
  readonly centroids: Float64Array;
  /** Cluster of each point. */
  readonly labels: Int32Array;
  /** Sum of squared distances to the assigned centroids. */
  readonly inertia: number;
}

/** Index of the centroid nearest to point `i` of `x` (row-major, d columns). */
export function nearestCentroid(x: ArrayLike<number>, i: number, centroids: Float64Array, d: number): { index: number; dist2: number } {
  const k = centroids.length / d;
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const diff = (x[i * d + j] as number) - (centroids[c * d + j] as number);
      s += diff * diff;
    }
    if (s < bestD) {
      bestD = s;
      best = c;
    }
  }
  return { index: best, dist2: bestD };
}

/**
 * Cluster `n` points of dimension `d` (row-major `x`, no NaN) into `k` clusters.
 * @example const { labels, centroids } = kMeans(points, n, 3, { k: 6, seed: 1 });
 * @throws ConfigError for invalid options; DataError when there are fewer distinct points than k.
 */
export function kMeans(x: ArrayLike<number>, n: number, d: number, options: KMeansOptions): KMeansResult {
  const { k, seed = 0, nInit = 4, maxIter = 100 } = options;
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`k-means: k must be an integer ≥ 1, got ${String(k)}.`, { option: 'k' });
  if (!Number.isInteger(nInit) || nInit < 1) throw new ConfigError(`k-means: nInit must be an integer ≥ 1, got ${String(nInit)}.`, { option: 'nInit' });
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new ConfigError(`k-means: maxIter must be an integer ≥ 1, got ${String(maxIter)}.`, { option: 'maxIter' });
  const rng = new Rng(seed);
  let best: KMeansResult | null = null;
  for (let run = 0; run < nInit; run++) {
    const r = lloyd(x, n, d, k, init(x, n, d, k, rng), maxIter);
    if (!best || r.inertia < best.inertia) best = r;
  }
  return best as KMeansResult;
}

function init(x: ArrayLike<number>, n: number, d: number, k: number, rng: Rng): Float64Array {
  if (n < k) throw new DataError('SF_DATA_EMPTY', `k-means: ${n} points cannot form k = ${k} clusters.`, { points: n, k });
  const c = new Float64Array(k * d);
  const copy = (ci: number, i: number): void => {
    for (let j = 0; j < d; j++) c[ci * d + j] = x[i * d + j] as number;
  };
  copy(0, rng.int(n));
  const dist = new Float64Array(n).fill(Infinity);
  for (let ci = 1; ci < k; ci++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const diff = (x[i * d + j] as number) - (c[(ci - 1) * d + j] as number);
        s += diff * diff;
      }
      if (s < (dist[i] as number)) dist[i] = s;
      total += dist[i] as number;
    }
    if (total === 0) {
      throw new DataError('SF_DATA_EMPTY', `k-means: only ${ci} distinct points, fewer than k = ${k} clusters. Use a smaller k.`, { distinct: ci, k });
    }
    let r = rng.next() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= dist[i] as number;
      if (r < 0 && (dist[i] as number) > 0) {
        pick = i;
        break;
      }
    }
    copy(ci, pick);
  }
  return c;
}

function lloyd(x: ArrayLike<number>, n: number, d: number, k: number, c: Float64Array, maxIter: number): KMeansResult {
  const labels = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  for (let iter = 0; iter < maxIter; iter++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      const { index, dist2 } = nearestCentroid(x, i, c, d);
      dist[i] = dist2;
      if (labels[i] !== index) {
        labels[i] = index;
        changed = true;
      }
    }
    if (!changed) break;
    const sum = new Float64Array(k * d);
    const count = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const l = labels[i] as number;
      count[l] = (count[l] as number) + 1;
      for (let j = 0; j < d; j++) sum[l * d + j] = (sum[l * d + j] as number) + (x[i * d + j] as number);
    }
    for (let l = 0; l < k; l++) {
      if (count[l] === 0) {
        // Empty cluster: move it to the point farthest from its centroid (as scikit-learn does).
        let far = 0;
        for (let i = 1; i < n; i++) if ((dist[i] as number) > (dist[far] as number)) far = i;
        for (let j = 0; j < d; j++) c[l * d + j] = x[far * d + j] as number;
        dist[far] = 0;
        continue;
      }
      for (let j = 0; j < d; j++) c[l * d + j] = (sum[l * d + j] as number) / (count[l] as number);
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const { index, dist2 } = nearestCentroid(x, i, c, d);
    labels[i] = index;
    inertia += dist2;
  }
  return { centroids: c, labels, inertia };
}
