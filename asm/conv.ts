/**
 * 1-D convolution (stride 1, dilation 1, channels last) and 1-D pooling, forward and backward, in
 * WebAssembly with 128-bit SIMD (AssemblyScript; re-exported by asm/index.ts, built by
 * `npm run build:wasm` into build/wasm/kernels.wasm; driven by src/models/tf/kernels/fused-conv.ts).
 *
 * Layouts (row-major float32, pointers are byte offsets into this module's memory):
 *   x  [B, W, C]   input sequences (channels last, as tf.layers gives them)
 *   w  [K, C, F]   filter (tfjs's conv1d filter; conv2d's [1, K, C, F] has the same layout)
 *   y  [B, Wo, F]  output, Wo = W + padL + padR − K + 1
 * With channels last, the receptive field of output position o is ONE contiguous run of K·C floats
 * of the zero-padded input, so each convolution is a GEMM whose A rows are overlapping slices of the
 * padded sequence (implicit im2col: no column matrix is ever built):
 *   forward        y_b  = xpad_b[o .. o+K)           · w       [Wo × KC]·[KC × F]
 *   input grad     dx_b = dypad_b[i .. i+K)          · wflip   [W × KF]·[KF × C]
 *   filter grad    dw  += xpad_bᵀ (strided view)     · dy_b    [KC × Wo]·[Wo × F]
 * N (F or C) is padded to a multiple of 4 in packed weights and scratch so the micro-kernel runs on
 * full SIMD tiles; the caller packs the weights once per call ({@link convPackFilter},
 * {@link convPackFilterFlipped}) before splitting the batch over threads.
 *
 * Every function handles `nb` batch rows; a thread gets a contiguous range (the caller offsets the
 * [B, ·] pointers) and its own scratch; filter gradients are per-thread partial sums.
 */
import { sgemm } from './gemm';
import { ld, st, vexp } from './simd';


/** Round up to a multiple of 4. */
function up4(n: i32): i32 {
  return (n + 3) & ~3;
}

/** Copy `n` floats (any alignment). */
function copyF(dst: usize, src: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/**
 * Zero-padded copy of one sequence: rows [0, padL) zero, rows padL.. = x rows [0, W) (clipped to the
 * Wp rows of the destination), the rest zero. `dst` [Wp, C], `src` [W, C].
 */
function padRows(dst: usize, src: usize, W: i32, C: i32, padL: i32, Wp: i32): void {
  const row = <usize>C << 2;
  const lead = min(padL, Wp);
  const n = max(0, min(W, Wp - lead));
  if (lead > 0) memory.fill(dst, 0, <usize>lead * row);
  if (n > 0) memory.copy(dst + <usize>lead * row, src, <usize>n * row);
  const tail = Wp - lead - n;
  if (tail > 0) memory.fill(dst + <usize>(lead + n) * row, 0, <usize>tail * row);
}

/**
 * Copy `rows` rows of `n` floats from a [rows, ldS] matrix to a [rows, ldD] one (ldD ≥ n), zeroing the
 * extra columns of the destination.
 */
function copyCols(dst: usize, ldD: i32, src: usize, ldS: i32, rows: i32, n: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + (<usize>(r * ldD) << 2);
    copyF(d, src + (<usize>(r * ldS) << 2), n);
    if (ldD > n) memory.fill(d + (<usize>n << 2), 0, <usize>(ldD - n) << 2);
  }
}

/**
 * Pack the filter w [K, C, F] into wp [K·C, Fp] (Fp = F rounded up to 4; zero columns beyond F).
 */
export function convPackFilter(K: i32, C: i32, F: i32, w: usize, wp: usize): void {
  copyCols(wp, up4(F), w, F, K * C, F);
}

/**
 * Pack the flipped, transposed filter for the input gradient: wf [K·F, Cp] with
 * wf[(j, f), c] = w[K−1−j, c, f] (Cp = C rounded up to 4; zero columns beyond C).
 */
export function convPackFilterFlipped(K: i32, C: i32, F: i32, w: usize, wf: usize): void {
  const Cp = up4(C);
  for (let j = 0; j < K; j++) {
    const src = w + (<usize>((K - 1 - j) * C * F) << 2);
    for (let f = 0; f < F; f++) {
      const d = wf + (<usize>((j * F + f) * Cp) << 2);
      for (let c = 0; c < C; c++) store<f32>(d + (<usize>c << 2), load<f32>(src + (<usize>(c * F + f) << 2)));
      for (let c = C; c < Cp; c++) store<f32>(d + (<usize>c << 2), 0);
    }
  }
}

/** Scratch floats {@link conv1dForward} needs per thread. */
export function conv1dForwardScratch(W: i32, C: i32, K: i32, F: i32, Wo: i32): i32 {
  return (Wo + K - 1) * C + Wo * up4(F) + 16;
}

// activation codes: 0 linear, 1 relu, 2 tanh

/**
 * tanh to float32 accuracy (a few ulp): for |x| < 0.625 the odd Taylor/minimax polynomial (where
 * 1 − 2/(e^{2x}+1) would lose relative precision), elsewhere 1 − 2/(e^{2|x|}+1) with the sign restored.
 */
function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const one = f32x4.splat(1.0);
  const big = f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(vexp(f32x4.add(ax, ax)), one)));
  const sign = v128.and(x, i32x4.splat(0x80000000));
  const bigS = v128.or(big, sign);
  // small: x + x³·P(x²) (Cephes tanhf coefficients)
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(x, f32x4.mul(f32x4.mul(p, z), x));
  return v128.bitselect(small, bigS, f32x4.lt(ax, f32x4.splat(0.625)));
}

/**
 * tanh of the last n % 4 floats through the same vector code as the rest, so a value's tanh does not
 * depend on where it sits in the array (a batch and a single row give the same bits).
 */
function tanhTail(x: usize, y: usize, r: i32): void {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(x));
  if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(x + 4));
  if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(x + 8));
  v = vtanh(v);
  store<f32>(y, f32x4.extract_lane(v, 0));
  if (r > 1) store<f32>(y + 4, f32x4.extract_lane(v, 1));
  if (r > 2) store<f32>(y + 8, f32x4.extract_lane(v, 2));
}

/** y[i] = tanh(x[i]) for n floats (x and y may be the same). */
export function vecTanh(n: i32, x: usize, y: usize): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) st(y + (<usize>i << 2), vtanh(ld(x + (<usize>i << 2))));
  if (i < n) tanhTail(x + (<usize>i << 2), y + (<usize>i << 2), n - i);
}

/** dst[0..n) ← act(src[0..n)) (act 0 linear, 1 relu, 2 tanh; dst may equal src). Also the dense layers' (asm/dense.ts). */
export function activateRow(dst: usize, src: usize, n: i32, act: i32): void {
  let i = 0;
  if (act == 0) {
    copyF(dst, src, n);
  } else if (act == 1) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) st(dst + (<usize>i << 2), f32x4.max(ld(src + (<usize>i << 2)), z));
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), max(load<f32>(src + (<usize>i << 2)), f32(0)));
  } else {
    for (; i + 4 <= n; i += 4) st(dst + (<usize>i << 2), vtanh(ld(src + (<usize>i << 2))));
    if (i < n) tanhTail(src + (<usize>i << 2), dst + (<usize>i << 2), n - i);
  }
}

/**
 * Forward: y [nb, Wo, F] = act(conv(x, w) + bias). `wp` is the packed filter from
 * {@link convPackFilter}; `bias` [F] or 0 for none; `act` 0 linear, 1 relu, 2 tanh. `tmp` holds
 * {@link conv1dForwardScratch} floats (64-byte aligned).
 */
export function conv1dForward(nb: i32, W: i32, C: i32, K: i32, F: i32, padL: i32, Wo: i32, x: usize, wp: usize, bias: usize, act: i32, y: usize, tmp: usize): void {
  const Fp = up4(F);
  const Wp = Wo + K - 1;
  const KC = K * C;
  const xpad = tmp;
  const out = tmp + ((<usize>(Wp * C) << 2) + 63) & ~(<usize>63);
  const rowOut = <usize>Fp << 2;
  for (let b = 0; b < nb; b++) {
    const xb = x + (<usize>(b * W * C) << 2);
    const yb = y + (<usize>(b * Wo * F) << 2);
    let a = xb;
    if (padL != 0 || Wp > W) {
      padRows(xpad, xb, W, C, padL, Wp);
      a = xpad;
    }
    if (bias != 0) {
      for (let o = 0; o < Wo; o++) {
        copyF(out + <usize>o * rowOut, bias, F);
        if (Fp > F) memory.fill(out + <usize>o * rowOut + (<usize>F << 2), 0, <usize>(Fp - F) << 2);
      }
    } else {
      memory.fill(out, 0, <usize>Wo * rowOut);
    }
    sgemm(Wo, Fp, KC, a, C, 1, wp, Fp, out, Fp);
    for (let o = 0; o < Wo; o++) activateRow(yb + (<usize>(o * F) << 2), out + <usize>o * rowOut, F, act);
  }
}

/** Scratch floats {@link conv1dBackpropInput} needs per thread. */
export function conv1dBackpropInputScratch(W: i32, C: i32, K: i32, F: i32): i32 {
  return (W + K - 1) * F + W * up4(C) + 16;
}

/**
 * Input gradient: dx [nb, W, C] of a stride-1 convolution with left padding padL, from dy [nb, Wo, F]
 * and the flipped packed filter `wf` ({@link convPackFilterFlipped}).
 *   dx[i] = Σ_j dypad[i + j] · wf[j],  dypad[t] = dy[t − (K−1−padL)] (zero outside [0, Wo)).
 */
export function conv1dBackpropInput(nb: i32, W: i32, C: i32, K: i32, F: i32, padL: i32, Wo: i32, dy: usize, wf: usize, dx: usize, tmp: usize): void {
  const Cp = up4(C);
  const Wd = W + K - 1;
  const dyp = tmp;
  const out = tmp + ((<usize>(Wd * F) << 2) + 63) & ~(<usize>63);
  const rowOut = <usize>Cp << 2;
  const front = K - 1 - padL;
  for (let b = 0; b < nb; b++) {
    const dyb = dy + (<usize>(b * Wo * F) << 2);
    const dxb = dx + (<usize>(b * W * C) << 2);
    // front < 0 happens only when padL > K − 1 (explicit padding): skip those leading dy rows
    if (front >= 0) padRows(dyp, dyb, Wo, F, front, Wd);
    else padRows(dyp, dyb + (<usize>(-front * F) << 2), Wo + front, F, 0, Wd);
    if (Cp == C) {
      memory.fill(dxb, 0, <usize>(W * C) << 2);
      sgemm(W, C, K * F, dyp, F, 1, wf, Cp, dxb, C);
    } else {
      memory.fill(out, 0, <usize>W * rowOut);
      sgemm(W, Cp, K * F, dyp, F, 1, wf, Cp, out, Cp);
      for (let i = 0; i < W; i++) copyF(dxb + (<usize>(i * C) << 2), out + <usize>i * rowOut, C);
    }
  }
}

/** Scratch floats {@link conv1dBackpropFilter} needs per thread. */
export function conv1dBackpropFilterScratch(W: i32, C: i32, K: i32, F: i32, Wo: i32): i32 {
  return (Wo + K - 1) * C + Wo * up4(F) + 16;
}

/**
 * Filter (and bias) gradient over nb batch rows: dw [K·C, Fp] (packed layout, Fp = F rounded up to
 * 4) ← Σ_b xpad_bᵀ · dy_b, and db [Fp] ← Σ dy when `db` ≠ 0. Overwrites dw and db (partial sums of
 * this thread's rows; {@link convUnpackGrad} adds the threads' parts and drops the padding).
 */
export function conv1dBackpropFilter(nb: i32, W: i32, C: i32, K: i32, F: i32, padL: i32, Wo: i32, x: usize, dy: usize, dw: usize, db: usize, tmp: usize): void {
  const Fp = up4(F);
  const Wp = Wo + K - 1;
  const KC = K * C;
  const xpad = tmp;
  const dyp = tmp + ((<usize>(Wp * C) << 2) + 63) & ~(<usize>63);
  memory.fill(dw, 0, <usize>(KC * Fp) << 2);
  if (db != 0) memory.fill(db, 0, <usize>Fp << 2);
  for (let b = 0; b < nb; b++) {
    const xb = x + (<usize>(b * W * C) << 2);
    let dyb = dy + (<usize>(b * Wo * F) << 2);
    let a = xb;
    if (padL != 0 || Wp > W) {
      padRows(xpad, xb, W, C, padL, Wp);
      a = xpad;
    }
    if (Fp != F) {
      copyCols(dyp, Fp, dyb, F, Wo, F);
      dyb = dyp;
    }
    sgemm(KC, Fp, Wo, a, 1, C, dyb, Fp, dw, Fp);
    if (db != 0) {
      for (let o = 0; o < Wo; o++) {
        const r = dyb + (<usize>(o * Fp) << 2);
        let j = 0;
        for (; j + 4 <= F; j += 4) st(db + (<usize>j << 2), f32x4.add(ld(db + (<usize>j << 2)), ld(r + (<usize>j << 2))));
        for (; j < F; j++) store<f32>(db + (<usize>j << 2), load<f32>(db + (<usize>j << 2)) + load<f32>(r + (<usize>j << 2)));
      }
    }
  }
}

/** dst [rows, F] ← a [rows, Fp] (+ b [rows, Fp] when b ≠ 0): unpack (and add two threads') filter gradients. */
export function convUnpackGrad(rows: i32, F: i32, a: usize, b: usize, dst: usize): void {
  const Fp = up4(F);
  for (let r = 0; r < rows; r++) {
    const s = a + (<usize>(r * Fp) << 2);
    const d = dst + (<usize>(r * F) << 2);
    if (b == 0) {
      copyF(d, s, F);
      continue;
    }
    const t = b + (<usize>(r * Fp) << 2);
    for (let j = 0; j < F; j++) store<f32>(d + (<usize>j << 2), load<f32>(s + (<usize>j << 2)) + load<f32>(t + (<usize>j << 2)));
  }
}

// ---------------------------------------------------------------------------------------------
// 1-D max pooling over time, channels last: y[b, o, c] = max_{t ∈ window(o)} x[b, t, c],
// window(o) = [o·S − padL, o·S − padL + P) ∩ [0, W).

/**
 * Max pooling forward: y [nb, Wo, C] with y[b, o, c] = max of x[b, t, c] over the window of o (clipped
 * to the sequence, as tfjs's 'same' padding; every window holds at least one step).
 */
export function maxPool1dForward(nb: i32, W: i32, C: i32, P: i32, S: i32, padL: i32, Wo: i32, x: usize, y: usize): void {
  for (let b = 0; b < nb; b++) {
    const xb = x + (<usize>(b * W * C) << 2);
    const yb = y + (<usize>(b * Wo * C) << 2);
    for (let o = 0; o < Wo; o++) {
      const t0 = max(0, o * S - padL);
      const t1 = min(W, o * S - padL + P);
      const yo = yb + (<usize>(o * C) << 2);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const c4 = <usize>c << 2;
        let best = ld(xb + (<usize>(t0 * C) << 2) + c4);
        for (let t = t0 + 1; t < t1; t++) {
          const v = ld(xb + (<usize>(t * C) << 2) + c4);
          best = v128.bitselect(v, best, f32x4.gt(v, best));
        }
        st(yo + c4, best);
      }
      for (; c < C; c++) {
        let best = load<f32>(xb + (<usize>(t0 * C + c) << 2));
        for (let t = t0 + 1; t < t1; t++) {
          const v = load<f32>(xb + (<usize>(t * C + c) << 2));
          if (v > best) best = v;
        }
        store<f32>(yo + (<usize>c << 2), best);
      }
    }
  }
}

/**
 * Max-pooling gradient: dx [nb, W, C] ← 0, then each dy[b, o, c] is added at the first maximum (in
 * time order) of its window, as tfjs's cpu backend does.
 */
export function maxPool1dBackward(nb: i32, W: i32, C: i32, P: i32, S: i32, padL: i32, Wo: i32, x: usize, dy: usize, dx: usize): void {
  memory.fill(dx, 0, <usize>(nb * W * C) << 2);
  for (let b = 0; b < nb; b++) {
    const xb = x + (<usize>(b * W * C) << 2);
    const dxb = dx + (<usize>(b * W * C) << 2);
    const dyb = dy + (<usize>(b * Wo * C) << 2);
    for (let o = 0; o < Wo; o++) {
      const t0 = max(0, o * S - padL);
      const t1 = min(W, o * S - padL + P);
      if (t1 <= t0) continue;
      const g = dyb + (<usize>(o * C) << 2);
      let c = 0;
      for (; c + 4 <= C; c += 4) {
        const c4 = <usize>c << 2;
        let best = ld(xb + (<usize>(t0 * C) << 2) + c4);
        let arg = i32x4.splat(t0);
        for (let t = t0 + 1; t < t1; t++) {
          const v = ld(xb + (<usize>(t * C) << 2) + c4);
          const gt = f32x4.gt(v, best);
          best = v128.bitselect(v, best, gt);
          arg = v128.bitselect(i32x4.splat(t), arg, gt);
        }
        const gv = ld(g + c4);
        for (let l = 0; l < 4; l++) {
          let t: i32 = 0;
          let gl: f32 = 0;
          if (l == 0) { t = i32x4.extract_lane(arg, 0); gl = f32x4.extract_lane(gv, 0); }
          else if (l == 1) { t = i32x4.extract_lane(arg, 1); gl = f32x4.extract_lane(gv, 1); }
          else if (l == 2) { t = i32x4.extract_lane(arg, 2); gl = f32x4.extract_lane(gv, 2); }
          else { t = i32x4.extract_lane(arg, 3); gl = f32x4.extract_lane(gv, 3); }
          const p = dxb + (<usize>(t * C + c + l) << 2);
          store<f32>(p, load<f32>(p) + gl);
        }
      }
      for (; c < C; c++) {
        let best = load<f32>(xb + (<usize>(t0 * C + c) << 2));
        let arg = t0;
        for (let t = t0 + 1; t < t1; t++) {
          const v = load<f32>(xb + (<usize>(t * C + c) << 2));
          if (v > best) {
            best = v;
            arg = t;
          }
        }
        const p = dxb + (<usize>(arg * C + c) << 2);
        store<f32>(p, load<f32>(p) + load<f32>(g + (<usize>c << 2)));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Bias gradient: column sums.

/** db [n] ← Σ over `rows` rows of g [rows, n] (the bias gradient of a layer whose output gradient is g). */
export function convBiasGrad(rows: i32, n: i32, g: usize, db: usize): void {
  memory.fill(db, 0, <usize>n << 2);
  const n4 = <usize>n << 2;
  let j = 0;
  // 16 columns at a time in registers over all rows, then 4, then scalars
  for (; j + 16 <= n; j += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let p = g + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, ld(p));
      s1 = f32x4.add(s1, ld(p + 16));
      s2 = f32x4.add(s2, ld(p + 32));
      s3 = f32x4.add(s3, ld(p + 48));
      p += n4;
    }
    const d = db + (<usize>j << 2);
    st(d, s0); st(d + 16, s1); st(d + 32, s2); st(d + 48, s3);
  }
  for (; j + 4 <= n; j += 4) {
    let s0 = f32x4.splat(0);
    let p = g + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s0 = f32x4.add(s0, ld(p));
      p += n4;
    }
    st(db + (<usize>j << 2), s0);
  }
  for (; j < n; j++) {
    let s: f32 = 0;
    let p = g + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      s += load<f32>(p);
      p += n4;
    }
    store<f32>(db + (<usize>j << 2), s);
  }
}
