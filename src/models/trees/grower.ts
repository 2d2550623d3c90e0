/**
 * Growing one regression tree on gradient/hessian histograms (second-order boosting).
 *
 * - Split gain and leaf weights are XGBoost's second-order formulas (Chen & Guestrin 2016, eq. 5–7):
 *   leaf weight `w = −G / (H + λ)`, gain `½ [G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)]`.
 * - Histograms of (Σg, Σh, count) per bin; only the smaller child is built from its rows and the larger
 *   one is the parent minus the smaller (the "histogram subtraction" trick, Ke et al. 2017, LightGBM §2.1).
 * - Missing values sit in their own bin; every threshold is tried with missing going left and right
 *   and the better direction is kept (Chen & Guestrin 2016, Algorithm 3).
 * - Growth is leaf-wise (best-first: always split the leaf with the largest gain, LightGBM; Shi 2007)
 *   or depth-wise (level by level, XGBoost's default), limited by `maxLeaves` and `maxDepth`.
 *
 * Internal module: the public API is `GradientBoostedTrees`.
 */
import type { BinMapper } from './binning.js';

/** Tree-growing parameters (already validated by GradientBoostedTrees). */
export interface GrowerParams {
  readonly growth: 'leafwise' | 'depthwise';
  readonly maxLeaves: number;
  /** Maximum depth (root = 0); Infinity for none. */
  readonly maxDepth: number;
  readonly lambda: number;
  readonly minChildWeight: number;
  readonly minSamplesLeaf: number;
  readonly minSplitGain: number;
  readonly learningRate: number;
}

/** A fitted tree in flat arrays; node 0 is the root, `feature[k] < 0` marks a leaf. */
export interface Tree {
  readonly feature: Int32Array;
  /** Raw-value threshold: go left when `x <= threshold` (missing values follow `defaultLeft`). */
  readonly threshold: Float64Array;
  /** Bin threshold for binned training data: left when `bin <= binThreshold`. */
  readonly binThreshold: Uint8Array;
  readonly defaultLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Leaf output (already multiplied by the learning rate); 0 for inner nodes. */
  readonly value: Float64Array;
  /** Loss reduction of each inner node's split (0 for leaves), for gain importance. */
  readonly gain: Float64Array;
}

interface Split {
  feature: number;
  bin: number;
  defaultLeft: boolean;
  gain: number;
  gL: number;
  hL: number;
  nL: number;
}

interface Leaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  g: number;
  h: number;
  hist: Float64Array | null;
  split: Split | null;
}

/**
 * Reusable tree grower for one training set: holds the binned matrix, histogram offsets, a
 * histogram pool and partition buffers, so that growing a tree allocates no per-row objects.
 */
export class TreeGrower {
  private readonly binned: Uint8Array;
  private readonly n: number;
  private readonly mapper: BinMapper;
  /** Start bin (in histogram slots) of each feature. */
  private readonly offset: Int32Array;
  private readonly histLen: number;
  private readonly pool: Float64Array[] = [];
  private readonly d: number;
  private readonly tmp: Int32Array;
  private readonly slotBase: Int32Array;
  private readonly side = new Uint8Array(256);
  /** Scratch of the one-direction scans: best gain, bin (−1: none), G_L, H_L, n_L. */
  private readonly scan = new Float64Array(5);
  /**
   * Histogram index (`(offset[f] + bin) × 3`) of every (row, feature), row-major: the all-features
   * histogram loop reads it directly. Uint16 when the histogram is small enough (it usually is).
   */
  private readonly slots: Uint16Array | Int32Array;
  /**
   * The binned matrix again, column-major (`binCol[f * n + r]`): partitioning a node reads one feature
   * of its rows in ascending row order, so this keeps those reads sequential and inside a few KB.
   */
  private readonly binCol: Uint8Array;
  /**
   * After `grow`: the leaves of the last tree as (node, start, end) triples over the `rows` array
   * it was given, so callers can update scores of in-sample rows without walking the tree.
   */
  leafRanges: Int32Array = new Int32Array(0);

  constructor(binned: Uint8Array, n: number, mapper: BinMapper) {
    this.binned = binned;
    this.n = n;
    this.mapper = mapper;
    const d = mapper.nFeatures;
    this.offset = new Int32Array(d);
    let o = 0;
    for (let f = 0; f < d; f++) {
      this.offset[f] = o;
      o += (mapper.missingBin[f] as number) + 1;
    }
    this.histLen = o * 3;
    this.d = d;
    this.tmp = new Int32Array(n);
    this.slotBase = new Int32Array(d);
    this.slots = this.histLen <= 65_536 ? new Uint16Array(n * d) : new Int32Array(n * d);
    this.binCol = new Uint8Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < d; f++) {
        const b = binned[i * d + f] as number;
        this.slots[i * d + f] = ((this.offset[f] as number) + b) * 3;
        this.binCol[f * n + i] = b;
      }
    }
  }

  private takeHist(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.histLen);
  }

  private giveHist(h: Float64Array | null): void {
    if (h) this.pool.push(h);
  }

  /**
   * Σg, Σh, count per bin over rows[start, end), for the given features.
   *
   * Row-wise (LightGBM's `force_row_wise`): the binned matrix is row-major, so each row's bins are
   * read together and its (g, h) are loaded once. With a handful of features this is faster than
   * feature-by-feature scans: consecutive updates go to different features' histograms, so the
   * read-modify-write chains on one bin (rows with equal bins) do not serialise the loop.
   */
  private buildHist(hist: Float64Array, rows: Int32Array, start: number, end: number, features: Int32Array, gh: Float64Array): void {
    const binned = this.binned;
    const d = this.d;
    const m = features.length;
    // Histogram slot base (offset × 3) of each used feature, in `features` order.
    const base = this.slotBase;
    for (let j = 0; j < m; j++) {
      const f = features[j] as number;
      const o = (this.offset[f] as number) * 3;
      base[j] = o;
      hist.fill(0, o, o + ((this.mapper.missingBin[f] as number) + 1) * 3);
    }
    if (m === d) {
      if (this.slots instanceof Uint16Array) histAllFeatures16(hist, this.slots, d, rows, start, end, gh);
      else histAllFeatures32(hist, this.slots, d, rows, start, end, gh);
    } else {
      for (let i = start; i < end; i++) {
        const r = rows[i] as number;
        const g = gh[2 * r] as number;
        const h = gh[2 * r + 1] as number;
        const rb = r * d;
        for (let j = 0; j < m; j++) {
          const k = (base[j] as number) + (binned[rb + (features[j] as number)] as number) * 3;
          hist[k] = (hist[k] as number) + g;
          hist[k + 1] = (hist[k + 1] as number) + h;
          hist[k + 2] = (hist[k + 2] as number) + 1;
        }
      }
    }
  }

  /** a −= b over the given features (histogram subtraction, in place: the parent becomes the sibling). */
  private subtractHist(a: Float64Array, b: Float64Array, features: Int32Array): void {
    for (let j = 0; j < features.length; j++) {
      const f = features[j] as number;
      const o = (this.offset[f] as number) * 3;
      const e = o + ((this.mapper.missingBin[f] as number) + 1) * 3;
      for (let k = o; k < e; k++) a[k] = (a[k] as number) - (b[k] as number);
    }
  }

  /** Whether a leaf is large enough for both children of any split to meet the minimums. */
  private splittable(leaf: Leaf, p: GrowerParams): boolean {
    return leaf.end - leaf.start >= 2 * p.minSamplesLeaf && leaf.h >= 2 * p.minChildWeight;
  }

  /**
   * Best split of a leaf. With `sub`, the leaf's histogram still holds its parent's sums and `sub` is
   * the sibling's: the subtraction is done in place during the same scan (one pass instead of two).
   */
  private findSplit(leaf: Leaf, features: Int32Array, p: GrowerParams, sub: Float64Array | null = null): Split | null {
    const hist = leaf.hist as Float64Array;
    if (sub && !this.splittable(leaf, p)) {
      this.subtractHist(hist, sub, features);
      return null;
    }
    const G = leaf.g;
    const H = leaf.h;
    const N = leaf.end - leaf.start;
    const lam = p.lambda;
    const minH = p.minChildWeight;
    const minN = p.minSamplesLeaf;
    if (!this.splittable(leaf, p)) return null;
    const parentScore = (G * G) / (H + lam);
    // The best split so far in locals (one object at the end instead of one per improvement).
    let bestF = -1;
    let bestB = 0;
    let bestDL = false;
    let bestGL = 0;
    let bestHL = 0;
    let bestNL = 0;
    let bestGain = p.minSplitGain > 0 ? p.minSplitGain : 1e-12;
    for (let j = 0; j < features.length; j++) {
      const f = features[j] as number;
      const o = (this.offset[f] as number) * 3;
      const nb = this.mapper.missingBin[f] as number;
      const mo = o + nb * 3;
      if (sub) {
        hist[mo] = (hist[mo] as number) - (sub[mo] as number);
        hist[mo + 1] = (hist[mo + 1] as number) - (sub[mo + 1] as number);
        hist[mo + 2] = (hist[mo + 2] as number) - (sub[mo + 2] as number);
      }
      const gM = hist[mo] as number;
      const hM = hist[mo + 1] as number;
      const cM = hist[mo + 2] as number;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      // Thresholds b = 0..nb-2 split the non-missing bins; b = nb-1 (only with missing values)
      // separates all non-missing values from the missing ones.
      const lastB = cM > 0 ? nb - 1 : nb - 2;
      let b = 0;
      if (cM === 0) {
        // No missing values in this node: one direction (see scanOneDirection).
        const sc = this.scan;
        sc[0] = bestGain;
        sc[1] = -1;
        if (sub) b = scanOneDirectionSub(hist, sub, o, lastB, G, H, N, lam, minH, minN, parentScore, sc);
        else b = scanOneDirection(hist, o, lastB, G, H, N, lam, minH, minN, parentScore, sc);
        if ((sc[1] as number) >= 0) {
          bestGain = sc[0] as number;
          bestF = f;
          bestB = sc[1] as number;
          bestGL = sc[2] as number;
          bestHL = sc[3] as number;
          bestNL = sc[4] as number;
          // Without missing values in training, send future missing values to the larger side.
          bestDL = bestNL >= N - bestNL;
        }
      } else {
        for (; b <= lastB; b++) {
          const k = o + b * 3;
          if (sub) {
            hist[k] = (hist[k] as number) - (sub[k] as number);
            hist[k + 1] = (hist[k + 1] as number) - (sub[k + 1] as number);
            hist[k + 2] = (hist[k + 2] as number) - (sub[k + 2] as number);
          }
          const c = hist[k + 2] as number;
          if (c === 0) continue;
          gl += hist[k] as number;
          hl += hist[k + 1] as number;
          cl += c;
          // missing → right
          {
            const gr = G - gl;
            const hr = H - hl;
            const cr = N - cl;
            if (cl >= minN && cr >= minN && hl >= minH && hr >= minH) {
              const gain = 0.5 * ((gl * gl) / (hl + lam) + (gr * gr) / (hr + lam) - parentScore);
              if (gain > bestGain) {
                bestGain = gain;
                bestF = f;
                bestB = b;
                bestDL = false;
                bestGL = gl;
                bestHL = hl;
                bestNL = cl;
              }
            }
          }
          // missing → left
          if (b < nb - 1) {
            const gL2 = gl + gM;
            const hL2 = hl + hM;
            const cL2 = cl + cM;
            const gr = G - gL2;
            const hr = H - hL2;
            const cr = N - cL2;
            if (cL2 >= minN && cr >= minN && hL2 >= minH && hr >= minH) {
              const gain = 0.5 * ((gL2 * gL2) / (hL2 + lam) + (gr * gr) / (hr + lam) - parentScore);
              if (gain > bestGain) {
                bestGain = gain;
                bestF = f;
                bestB = b;
                bestDL = true;
                bestGL = gL2;
                bestHL = hL2;
                bestNL = cL2;
              }
            }
          }
        }
      }
      if (sub) {
        // Bins the scan did not reach (after an early stop, and the last non-missing bin).
        for (let k = o + b * 3; k < mo; k++) hist[k] = (hist[k] as number) - (sub[k] as number);
      }
    }
    return bestF < 0 ? null : { feature: bestF, bin: bestB, defaultLeft: bestDL, gain: bestGain, gL: bestGL, hL: bestHL, nL: bestNL };
  }

  /**
   * Grow one tree on the rows `rows` (reordered in place) using only `features`.
   * `gh` holds the gradient and hessian of row r at gh[2r] and gh[2r + 1].
   */
  grow(rows: Int32Array, features: Int32Array, gh: Float64Array, p: GrowerParams): Tree {
    const feature: number[] = [-1];
    const binThr: number[] = [0];
    const thr: number[] = [0];
    const defLeft: number[] = [0];
    const left: number[] = [-1];
    const right: number[] = [-1];
    const value: number[] = [0];
    const gain: number[] = [0];

    const g0 = sumAt(gh, rows, 0);
    const h0 = sumAt(gh, rows, 1);
    const root: Leaf = { node: 0, start: 0, end: rows.length, depth: 0, g: g0, h: h0, hist: null, split: null };
    const leaves: Leaf[] = [root];
    if (p.maxDepth > 0 && p.maxLeaves > 1) {
      root.hist = this.takeHist();
      this.buildHist(root.hist, rows, 0, rows.length, features, gh);
      root.split = this.findSplit(root, features, p);
    }
    const tmp = this.tmp;
    let nLeaves = 1;
    while (nLeaves < p.maxLeaves) {
      // Pick the leaf to split: best gain (leaf-wise) or the shallowest, oldest one (depth-wise).
      let pick = -1;
      for (let i = 0; i < leaves.length; i++) {
        const l = leaves[i] as Leaf;
        if (!l.split) continue;
        if (pick < 0) {
          pick = i;
          if (p.growth === 'depthwise') break;
        } else if (l.split.gain > ((leaves[pick] as Leaf).split as Split).gain) pick = i;
      }
      if (pick < 0) break;
      const leaf = leaves[pick] as Leaf;
      const s = leaf.split as Split;
      leaves.splice(pick, 1);

      // Partition rows[start, end) stably: left rows first, then right rows.
      const mb = this.mapper.missingBin[s.feature] as number;
      // Side of every bin of the split feature (1 = left), so the partition loop has no comparisons.
      const side = this.side;
      for (let b = 0; b < mb; b++) side[b] = b <= s.bin ? 1 : 0;
      side[mb] = s.defaultLeft ? 1 : 0;
      const wl = partitionRows(rows, tmp, this.binCol, s.feature * this.n, side, leaf.start, leaf.end);

      const edges = this.mapper.edges[s.feature] as Float64Array;
      const k = leaf.node;
      feature[k] = s.feature;
      binThr[k] = s.bin;
      thr[k] = s.bin < edges.length ? (edges[s.bin] as number) : Infinity;
      defLeft[k] = s.defaultLeft ? 1 : 0;
      const li = feature.length;
      const ri = li + 1;
      left[k] = li;
      right[k] = ri;
      for (let c = 0; c < 2; c++) {
        feature.push(-1);
        binThr.push(0);
        thr.push(0);
        defLeft.push(0);
        left.push(-1);
        right.push(-1);
        value.push(0);
        gain.push(0);
      }
      gain[k] = s.gain;

      const depth = leaf.depth + 1;
      const L: Leaf = { node: li, start: leaf.start, end: wl, depth, g: s.gL, h: s.hL, hist: null, split: null };
      const R: Leaf = { node: ri, start: wl, end: leaf.end, depth, g: leaf.g - s.gL, h: leaf.h - s.hL, hist: null, split: null };
      nLeaves++;
      const canGrow = depth < p.maxDepth && nLeaves < p.maxLeaves;
      if (canGrow) {
        const small = L.end - L.start <= R.end - R.start ? L : R;
        const large = small === L ? R : L;
        const smallSplittable = this.splittable(small, p);
        const largeSplittable = this.splittable(large, p);
        // Build the smaller child's histogram from its rows; the larger one is parent − smaller.
        if (smallSplittable || largeSplittable) {
          small.hist = this.takeHist();
          this.buildHist(small.hist, rows, small.start, small.end, features, gh);
        }
        if (largeSplittable) {
          // The parent's histogram is not needed any more: turn it into the larger child's.
          large.hist = leaf.hist as Float64Array;
          leaf.hist = null;
          large.split = this.findSplit(large, features, p, small.hist);
        }
        if (smallSplittable) small.split = this.findSplit(small, features, p);
        else {
          this.giveHist(small.hist);
          small.hist = null;
        }
      }
      this.giveHist(leaf.hist);
      leaf.hist = null;
      leaves.push(L, R);
    }
    this.leafRanges = new Int32Array(leaves.length * 3);
    for (let i = 0; i < leaves.length; i++) {
      const l = leaves[i] as Leaf;
      this.leafRanges[3 * i] = l.node;
      this.leafRanges[3 * i + 1] = l.start;
      this.leafRanges[3 * i + 2] = l.end;
      value[l.node] = (-l.g / (l.h + p.lambda)) * p.learningRate;
      this.giveHist(l.hist);
      l.hist = null;
    }
    return {
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(thr),
      binThreshold: Uint8Array.from(binThr),
      defaultLeft: Uint8Array.from(defLeft),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
      gain: Float64Array.from(gain),
    };
  }
}

/**
 * Best threshold of one feature in a node without missing values, bins [o, o + 3·lastB]: left sums
 * only grow and right sums only shrink as the threshold moves right, so the scan stops once the right
 * side is too small. An empty bin splits the rows exactly as the previous threshold did (same gain,
 * and the earlier threshold wins ties), so it is skipped: in small nodes most of the 255 bins are
 * empty. `sc` holds the best so far (gain, bin, G_L, H_L, n_L) and is updated on improvement. Returns
 * the first bin not scanned. Small functions of their own so that V8 optimises them tightly; the
 * `Sub` copy also turns the histogram (the parent's) into the node's by subtracting the sibling's.
 */
function scanOneDirection(hist: Float64Array, o: number, lastB: number, G: number, H: number, N: number, lam: number, minH: number, minN: number, parentScore: number, sc: Float64Array): number {
  let gl = 0;
  let hl = 0;
  let cl = 0;
  let bestGain = sc[0] as number;
  let b = 0;
  for (; b <= lastB; b++) {
    const k = o + b * 3;
    const c = hist[k + 2] as number;
    if (c === 0) continue;
    gl += hist[k] as number;
    hl += hist[k + 1] as number;
    cl += c;
    if (cl < minN || hl < minH) continue;
    const cr = N - cl;
    const hr = H - hl;
    if (cr < minN || hr < minH) return b + 1;
    const gr = G - gl;
    const gain = 0.5 * ((gl * gl) / (hl + lam) + (gr * gr) / (hr + lam) - parentScore);
    if (gain > bestGain) {
      bestGain = gain;
      sc[0] = gain;
      sc[1] = b;
      sc[2] = gl;
      sc[3] = hl;
      sc[4] = cl;
    }
  }
  return b;
}

function scanOneDirectionSub(hist: Float64Array, sub: Float64Array, o: number, lastB: number, G: number, H: number, N: number, lam: number, minH: number, minN: number, parentScore: number, sc: Float64Array): number {
  let gl = 0;
  let hl = 0;
  let cl = 0;
  let bestGain = sc[0] as number;
  let b = 0;
  for (; b <= lastB; b++) {
    const k = o + b * 3;
    const c = (hist[k + 2] as number) - (sub[k + 2] as number);
    hist[k + 2] = c;
    if (c === 0) {
      // Bin empty in this node: its sums are the parent's minus the sibling's, zero up to rounding.
      hist[k] = (hist[k] as number) - (sub[k] as number);
      hist[k + 1] = (hist[k + 1] as number) - (sub[k + 1] as number);
      continue;
    }
    const g = (hist[k] as number) - (sub[k] as number);
    const h = (hist[k + 1] as number) - (sub[k + 1] as number);
    hist[k] = g;
    hist[k + 1] = h;
    gl += g;
    hl += h;
    cl += c;
    if (cl < minN || hl < minH) continue;
    const cr = N - cl;
    const hr = H - hl;
    if (cr < minN || hr < minH) return b + 1;
    const gr = G - gl;
    const gain = 0.5 * ((gl * gl) / (hl + lam) + (gr * gr) / (hr + lam) - parentScore);
    if (gain > bestGain) {
      bestGain = gain;
      sc[0] = gain;
      sc[1] = b;
      sc[2] = gl;
      sc[3] = hl;
      sc[4] = cl;
    }
  }
  return b;
}

/** Σ gh[2·rows[i] + c] (c = 0: gradients, 1: hessians). */
function sumAt(gh: Float64Array, rows: Int32Array, c: number): number {
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += gh[2 * (rows[i] as number) + c] as number;
  return s;
}

/**
 * Histogram of rows[start, end) over all features, row-wise: `slots[r·d + f]` is the histogram index of
 * (row r, feature f). Two copies (16- and 32-bit slots) keep each loop monomorphic; small functions of
 * their own so that V8 optimises them independently of their callers.
 */
function histAllFeatures16(hist: Float64Array, slots: Uint16Array, d: number, rows: Int32Array, start: number, end: number, gh: Float64Array): void {
  for (let i = start; i < end; i++) {
    const r = rows[i] as number;
    const g = gh[2 * r] as number;
    const h = gh[2 * r + 1] as number;
    const rb = r * d;
    for (let f = 0; f < d; f++) {
      const k = slots[rb + f] as number;
      hist[k] = (hist[k] as number) + g;
      hist[k + 1] = (hist[k + 1] as number) + h;
      hist[k + 2] = (hist[k + 2] as number) + 1;
    }
  }
}

function histAllFeatures32(hist: Float64Array, slots: Int32Array, d: number, rows: Int32Array, start: number, end: number, gh: Float64Array): void {
  for (let i = start; i < end; i++) {
    const r = rows[i] as number;
    const g = gh[2 * r] as number;
    const h = gh[2 * r + 1] as number;
    const rb = r * d;
    for (let f = 0; f < d; f++) {
      const k = slots[rb + f] as number;
      hist[k] = (hist[k] as number) + g;
      hist[k + 1] = (hist[k + 1] as number) + h;
      hist[k + 2] = (hist[k + 2] as number) + 1;
    }
  }
}

/**
 * Stable in-place partition of rows[start, end) by `side[bin]` (1 = left) of one column of the
 * column-major bins (`binCol[colBase + row]`); returns the first right position. Branch-free: each row
 * is written to both sides and only the side it belongs to advances. A small function of its own, so
 * that V8 optimises this hot loop independently of the large `grow`.
 */
function partitionRows(rows: Int32Array, tmp: Int32Array, binCol: Uint8Array, colBase: number, side: Uint8Array, start: number, end: number): number {
  let wl = start;
  let wr = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i] as number;
    const goLeft = side[binCol[colBase + r] as number] as number;
    rows[wl] = r;
    tmp[wr] = r;
    wl += goLeft;
    wr += 1 - goLeft;
  }
  rows.set(tmp.subarray(0, wr), wl);
  return wl;
}

/** Leaf value of one row of a row-major binned matrix with `d` features. */
export function predictBinnedRow(t: Tree, binned: Uint8Array, d: number, row: number, missingBin: Uint8Array): number {
  let k = 0;
  const rb = row * d;
  while ((t.feature[k] as number) >= 0) {
    const f = t.feature[k] as number;
    const b = binned[rb + f] as number;
    const goLeft = b === (missingBin[f] as number) ? t.defaultLeft[k] === 1 : b <= (t.binThreshold[k] as number);
    k = goLeft ? (t.left[k] as number) : (t.right[k] as number);
  }
  return t.value[k] as number;
}
