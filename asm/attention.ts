/**
 * Fused multi-head self-attention (Vaswani et al. 2017, §3.2) forward and backward, in WebAssembly
 * with 128-bit SIMD (AssemblyScript; re-exported by asm/index.ts, built by `npm run build:wasm`).
 *
 * One call per layer and thread does the whole block for a contiguous range of batch rows:
 * forward  qkv = x·[Wq|Wk|Wv] + [bq|bk|bv]; per row and head P = softmax(Q_h·K_hᵀ/√dk),
 *          ctx_h = P·V_h; out = ctx·Wo + bo;
 * backward dWo, dbo, dctx = dout·Woᵀ; per row and head dP = dctx_h·V_hᵀ, dV_h = Pᵀ·dctx_h,
 *          dS = P∘(dP − rowsum(dP∘P))/√dk, dQ_h = dS·K_h, dK_h = dSᵀ·Q_h; then d[Wq|Wk|Wv],
 *          d[bq|bk|bv] and dx = dqkv·[Wq|Wk|Wv]ᵀ.
 * Heads are column blocks of qkv / ctx (no reshapes or transposes of the activations). The weight
 * gradients a thread writes are partial sums over its rows; the caller adds the parts.
 * Pointers are byte offsets into the module's memory; matrices are row-major float32.
 */
import { gemm, inputGrads, project, zero } from './rnn';
import { ld, st, vexp } from './simd';



function fl(p: usize): f32 {
  return load<f32>(p);
}

function fs(p: usize, v: f32): void {
  store<f32>(p, v);
}


function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** dst [cols × rows] ← transpose of src [rows × cols] whose rows are `lds` floats apart. */
export function transposeStrided(rows: i32, cols: i32, src: usize, lds: i32, dst: usize): void {
  const rs = <usize>lds << 2;
  const rd = <usize>rows << 2;
  for (let i = 0; i < rows; i++) {
    const s = src + <usize>i * rs;
    const d = dst + (<usize>i << 2);
    for (let j = 0; j < cols; j++) fs(d + <usize>j * rd, fl(s + (<usize>j << 2)));
  }
}

/** In place: every row of s [rows × n] ← softmax(scale · row). */
function softmaxRows(rows: i32, n: i32, s: usize, scale: f32): void {
  const n4 = <usize>n << 2;
  const sc = f32x4.splat(scale);
  for (let i = 0; i < rows; i++) {
    const r = s + <usize>i * n4;
    let mv = f32x4.splat(-Infinity);
    let j = 0;
    for (; j + 4 <= n; j += 4) mv = f32x4.max(mv, ld(r + (<usize>j << 2)));
    let m = hmax(mv);
    for (; j < n; j++) m = max(m, fl(r + (<usize>j << 2)));
    const ms = f32x4.splat(m * scale);
    let sv = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const e = vexp(f32x4.sub(f32x4.mul(ld(r + (<usize>j << 2)), sc), ms));
      st(r + (<usize>j << 2), e);
      sv = f32x4.add(sv, e);
    }
    let sum = hsum(sv);
    for (; j < n; j++) {
      const e = Mathf.exp(fl(r + (<usize>j << 2)) * scale - m * scale);
      fs(r + (<usize>j << 2), e);
      sum += e;
    }
    const inv = f32(1) / sum;
    const iv = f32x4.splat(inv);
    j = 0;
    for (; j + 4 <= n; j += 4) st(r + (<usize>j << 2), f32x4.mul(ld(r + (<usize>j << 2)), iv));
    for (; j < n; j++) fs(r + (<usize>j << 2), fl(r + (<usize>j << 2)) * inv);
  }
}

/** In place: dP [rows × n] ← P∘(dP − rowsum(dP∘P))·scale (the softmax backward, with the score scale). */
function softmaxBackRows(rows: i32, n: i32, p: usize, dp: usize, scale: f32): void {
  const n4 = <usize>n << 2;
  const sc = f32x4.splat(scale);
  for (let i = 0; i < rows; i++) {
    const pr = p + <usize>i * n4;
    const dr = dp + <usize>i * n4;
    let sv = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) sv = f32x4.add(sv, f32x4.mul(ld(pr + (<usize>j << 2)), ld(dr + (<usize>j << 2))));
    let dot = hsum(sv);
    for (; j < n; j++) dot += fl(pr + (<usize>j << 2)) * fl(dr + (<usize>j << 2));
    const dv = f32x4.splat(dot);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      st(dr + o, f32x4.mul(f32x4.mul(ld(pr + o), f32x4.sub(ld(dr + o), dv)), sc));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      fs(dr + o, fl(pr + o) * (fl(dr + o) - dot) * scale);
    }
  }
}

/**
 * Forward for `nb` sequences of T steps, width d, `heads` heads (dk = d / heads). `x` [nb,T,d];
 * `wqkv` [d,3d] (Wq | Wk | Wv side by side), `bqkv` [3d]; `wo` [d,d], `bo` [d]. Writes `qkv`
 * [nb·T,3d], `p` [nb,heads,T,T] (attention weights), `ctx` [nb·T,d] (kept for the backward pass) and
 * `out` [nb·T,d]. `kt` is [dk·T] scratch.
 */
export function mhaForward(nb: i32, T: i32, d: i32, heads: i32, x: usize, wqkv: usize, bqkv: usize, wo: usize, bo: usize, qkv: usize, p: usize, ctx: usize, out: usize, kt: usize): void {
  const rows = nb * T;
  const dk = d / heads;
  const d3 = 3 * d;
  const scale = f32(1) / Mathf.sqrt(<f32>dk);
  project(rows, d, d3, x, wqkv, bqkv, qkv);
  zero(ctx, rows * d);
  const tt = <usize>(T * T) << 2;
  for (let b = 0; b < nb; b++) {
    const q0 = qkv + (<usize>(b * T * d3) << 2);
    const c0 = ctx + (<usize>(b * T * d) << 2);
    for (let h = 0; h < heads; h++) {
      const off = <usize>(h * dk) << 2;
      const s = p + <usize>(b * heads + h) * tt;
      transposeStrided(T, dk, q0 + (<usize>d << 2) + off, d3, kt);
      zero(s, T * T);
      gemm(T, T, dk, q0 + off, d3, 1, kt, T, s, T);
      softmaxRows(T, T, s, scale);
      gemm(T, dk, T, s, T, 1, q0 + (<usize>(2 * d) << 2) + off, d3, c0 + off, d);
    }
  }
  project(rows, d, d, ctx, wo, bo, out);
}

/**
 * Backward of {@link mhaForward} for the same rows. `wqkvT` [3d,d] and `woT` [d,d] are the
 * transposed weights; `dout` [nb·T,d]. Writes `dqkv` [nb·T,3d] and `dctx` [nb·T,d] (scratch), the
 * partial weight gradients `dwqkv` [d,3d], `dbqkv` [3d], `dwo` [d,d], `dbo` [d], and `dx` [nb,T,d].
 * `sc` is [T·T + dk·T] scratch.
 */
export function mhaBackward(nb: i32, T: i32, d: i32, heads: i32, x: usize, wqkvT: usize, woT: usize, qkv: usize, p: usize, ctx: usize, dout: usize, dqkv: usize, dctx: usize, dwqkv: usize, dbqkv: usize, dwo: usize, dbo: usize, dx: usize, sc: usize): void {
  const rows = nb * T;
  const dk = d / heads;
  const d3 = 3 * d;
  const scale = f32(1) / Mathf.sqrt(<f32>dk);
  // output projection: dWo = ctxᵀ·dout, dbo = Σ dout, dctx = dout·Woᵀ
  inputGrads(rows, d, d, ctx, woT, dout, dwo, dbo, dctx);
  zero(dqkv, rows * d3);
  const tt = <usize>(T * T) << 2;
  const dp = sc;
  const vt = sc + tt;
  for (let b = 0; b < nb; b++) {
    const q0 = qkv + (<usize>(b * T * d3) << 2);
    const g0 = dqkv + (<usize>(b * T * d3) << 2);
    const c0 = dctx + (<usize>(b * T * d) << 2);
    for (let h = 0; h < heads; h++) {
      const off = <usize>(h * dk) << 2;
      const pb = p + <usize>(b * heads + h) * tt;
      const qh = q0 + off;
      const kh = q0 + (<usize>d << 2) + off;
      const vh = q0 + (<usize>(2 * d) << 2) + off;
      // dP = dctx_h·V_hᵀ
      transposeStrided(T, dk, vh, d3, vt);
      zero(dp, T * T);
      gemm(T, T, dk, c0 + off, d, 1, vt, T, dp, T);
      // dV_h = Pᵀ·dctx_h
      gemm(T, dk, T, pb, 1, T, c0 + off, d, g0 + (<usize>(2 * d) << 2) + off, d3);
      softmaxBackRows(T, T, pb, dp, scale);
      // dQ_h = dS·K_h, dK_h = dSᵀ·Q_h
      gemm(T, dk, T, dp, T, 1, kh, d3, g0 + off, d3);
      gemm(T, dk, T, dp, 1, T, qh, d3, g0 + (<usize>d << 2) + off, d3);
    }
  }
  inputGrads(rows, d, d3, x, wqkvT, dqkv, dwqkv, dbqkv, dx);
}

/** dst [cols × rows] ← transpose of the row-major src [rows × cols] (weights for the backward passes). */
export function transpose(rows: i32, cols: i32, src: usize, dst: usize): void {
  transposeStrided(rows, cols, src, cols, dst);
}


// ---------------------------------------------------------------------------------------------
// Layer normalisation over the last axis (Ba et al. 2016), the transformer's other per-row op.

/**
 * Forward for `rows` rows of width n: y = (x − mean)·rstd·gamma + beta with rstd = 1/√(var + eps).
 * Writes `y` and keeps `xhat` [rows × n] = (x − mean)·rstd and `rstd` [rows] for the backward pass.
 * `epsp` points at eps (a float: the thread hand-off passes integers only).
 */
export function layerNormForward(rows: i32, n: i32, x: usize, gamma: usize, beta: usize, epsp: usize, y: usize, xhat: usize, rstd: usize): void {
  const n4 = <usize>n << 2;
  const inv = f32(1) / <f32>n;
  const eps = fl(epsp);
  for (let i = 0; i < rows; i++) {
    const xr = x + <usize>i * n4;
    const hr = xhat + <usize>i * n4;
    const yr = y + <usize>i * n4;
    let sv = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) sv = f32x4.add(sv, ld(xr + (<usize>j << 2)));
    let s = hsum(sv);
    for (; j < n; j++) s += fl(xr + (<usize>j << 2));
    const mean = s * inv;
    const mv = f32x4.splat(mean);
    sv = f32x4.splat(0);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const c = f32x4.sub(ld(xr + (<usize>j << 2)), mv);
      sv = f32x4.add(sv, f32x4.mul(c, c));
    }
    let v = hsum(sv);
    for (; j < n; j++) {
      const c = fl(xr + (<usize>j << 2)) - mean;
      v += c * c;
    }
    const r = f32(1) / Mathf.sqrt(v * inv + eps);
    fs(rstd + (<usize>i << 2), r);
    const rv = f32x4.splat(r);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const h = f32x4.mul(f32x4.sub(ld(xr + o), mv), rv);
      st(hr + o, h);
      st(yr + o, f32x4.add(f32x4.mul(h, ld(gamma + o)), ld(beta + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const h = (fl(xr + o) - mean) * r;
      fs(hr + o, h);
      fs(yr + o, h * fl(gamma + o) + fl(beta + o));
    }
  }
}

/**
 * Backward of {@link layerNormForward}: dx = rstd·(g − mean(g) − xhat·mean(g∘xhat)) with g = dy∘gamma;
 * partial sums dgamma = Σ dy∘xhat and dbeta = Σ dy over these rows (overwritten).
 */
export function layerNormBackward(rows: i32, n: i32, xhat: usize, rstd: usize, gamma: usize, dy: usize, dx: usize, dgamma: usize, dbeta: usize): void {
  const n4 = <usize>n << 2;
  const inv = f32(1) / <f32>n;
  zero(dgamma, n);
  zero(dbeta, n);
  for (let i = 0; i < rows; i++) {
    const hr = xhat + <usize>i * n4;
    const dr = dy + <usize>i * n4;
    const xr = dx + <usize>i * n4;
    let s1 = f32x4.splat(0);
    let s2 = f32x4.splat(0);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const d = ld(dr + o);
      const h = ld(hr + o);
      const g = f32x4.mul(d, ld(gamma + o));
      s1 = f32x4.add(s1, g);
      s2 = f32x4.add(s2, f32x4.mul(g, h));
      st(dgamma + o, f32x4.add(ld(dgamma + o), f32x4.mul(d, h)));
      st(dbeta + o, f32x4.add(ld(dbeta + o), d));
    }
    let a = hsum(s1);
    let b = hsum(s2);
    for (; j < n; j++) {
      const o = <usize>j << 2;
      const d = fl(dr + o);
      const h = fl(hr + o);
      const g = d * fl(gamma + o);
      a += g;
      b += g * h;
      fs(dgamma + o, fl(dgamma + o) + d * h);
      fs(dbeta + o, fl(dbeta + o) + d);
    }
    const ma = a * inv;
    const mb = b * inv;
    const r = fl(rstd + (<usize>i << 2));
    const mav = f32x4.splat(ma);
    const mbv = f32x4.splat(mb);
    const rv = f32x4.splat(r);
    j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      const g = f32x4.mul(ld(dr + o), ld(gamma + o));
      st(xr + o, f32x4.mul(rv, f32x4.sub(f32x4.sub(g, mav), f32x4.mul(ld(hr + o), mbv))));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      fs(xr + o, r * (fl(dr + o) * fl(gamma + o) - ma - fl(hr + o) * mb));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Position-wise feed-forward network of an encoder block: y = relu(x·W1 + b1)·W2 + b2.

/** Forward for `rows` rows: `h` [rows × f] ← relu(x·w1 + b1) (kept for the backward pass), `y` [rows × d] ← h·w2 + b2. */
export function ffnForward(rows: i32, d: i32, f: i32, x: usize, w1: usize, b1: usize, w2: usize, b2: usize, h: usize, y: usize): void {
  project(rows, d, f, x, w1, b1, h);
  const n = rows * f;
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) st(h + (<usize>i << 2), f32x4.max(ld(h + (<usize>i << 2)), z));
  for (; i < n; i++) fs(h + (<usize>i << 2), max(fl(h + (<usize>i << 2)), f32(0)));
  project(rows, f, d, h, w2, b2, y);
}

/**
 * Backward of {@link ffnForward}: `w1t` [f × d], `w2t` [d × f] the transposed kernels; `dh` [rows × f]
 * scratch. Writes partial sums dw1 [d × f], db1 [f], dw2 [f × d], db2 [d] and dx [rows × d].
 */
export function ffnBackward(rows: i32, d: i32, f: i32, x: usize, w1t: usize, w2t: usize, h: usize, dy: usize, dh: usize, dw1: usize, db1: usize, dw2: usize, db2: usize, dx: usize): void {
  inputGrads(rows, f, d, h, w2t, dy, dw2, db2, dh);
  const n = rows * f;
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    st(dh + o, v128.and(ld(dh + o), f32x4.gt(ld(h + o), z)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (!(fl(h + o) > f32(0))) fs(dh + o, 0);
  }
  inputGrads(rows, d, f, x, w1t, dh, dw1, db1, dx);
}
