/**
 * Fused LSTM and GRU recurrences over a whole sequence, forward and backward through time, in
 * WebAssembly with 128-bit SIMD (AssemblyScript; re-exported by asm/index.ts, built by `npm run build:wasm` into build/wasm/kernels.wasm).
 *
 * The input projection x·W + b of every time step is one big matmul done by the caller (XNNPACK);
 * these functions run the sequential part (h·U, gates, cell update) for all T steps in one call, on
 * memory the caller lays out in this module's linear memory. All pointers are byte offsets; all
 * matrices are row-major float32. Sequences are stored [B, T, n] (batch major, as tfjs gives them).
 *
 * Gate orders follow tfjs-layers (Keras): LSTM i, f, c, o; GRU z, r, h with the reset gate applied
 * before the recurrent matmul (`reset_after = false`). Initial states are zero.
 */

import { sgemm } from './gemm';
import { ld, st } from './simd';

// ---------------------------------------------------------------------------------------------
// Vector math
//
// σ(x) = 1 / (1 + e^−x) with Cephes expf (as asm/simd.ts's vexp; relative error ≤ 2e-7 for
// x ≥ −80, below that σ is ~1e-38 in absolute terms); tanh by Eigen's rational approximation
// (odd degree-13 / even degree-6 polynomials on x clamped to ±7.9053: relative error ≤ 4e-7 on the
// whole line, also near 0 where 1 − 2/(e^{2x} + 1) loses all relative accuracy). They run as passes
// over a row of gates (sigmoidRow / tanhRow) that load their constants from a data segment into
// locals once per call: a v128.const inside a loop costs V8 several instructions at every use, which
// made the gate loops ~30% slower when the activations were inlined into them.

const ACT = memory.data<f32>([
  88, 88, 88, 88, // clamp hi
  -87, -87, -87, -87, // clamp lo
  12582912, 12582912, 12582912, 12582912, // 1.5·2^23: adding it rounds to an integer
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634, // log2 e
  0.693359375, 0.693359375, 0.693359375, 0.693359375, // ln 2, high part
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, // ln 2, low part
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, // polynomial
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3,
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3,
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2,
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1,
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1,
  1, 1, 1, 1,
  7.90531110763549805, 7.90531110763549805, 7.90531110763549805, 7.90531110763549805, // tanh clamp
  -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, // tanh numerator α13
  2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13,
  -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11,
  5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08,
  1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05,
  6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04,
  4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03, // α1
  1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06, // denominator β6
  1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04,
  2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03,
  4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03, // β0
], 16);
const ACT_BIAS = memory.data<i32>([127, 127, 127, 127], 16); // exponent bias, added to the rounded n

/**
 * e^x from the constants in locals (the same steps as asm/simd.ts's vexp). Binaryen inlines it at -O3
 * (the module is byte-identical with an `@inline` decorator, which eslint cannot parse on a function).
 */
function vexpk(x: v128, hi: v128, lo: v128, magic: v128, log2e: v128, ln2a: v128, ln2b: v128, p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, p5: v128, one: v128, bias: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, hi), lo);
  const t = f32x4.add(f32x4.mul(x, log2e), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, ln2a));
  r = f32x4.sub(r, f32x4.mul(n, ln2b));
  let p = f32x4.add(f32x4.mul(p0, r), p1);
  p = f32x4.add(f32x4.mul(p, r), p2);
  p = f32x4.add(f32x4.mul(p, r), p3);
  p = f32x4.add(f32x4.mul(p, r), p4);
  p = f32x4.add(f32x4.mul(p, r), p5);
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), one);
  return f32x4.mul(e, i32x4.shl(i32x4.add(t, bias), 23));
}

/** dst[0..n) ← σ(src[0..n)) (may be in place). */
function sigmoidRow(src: usize, dst: usize, n: i32): void {
  const hi = v128.load(ACT), lo = v128.load(ACT, 16), magic = v128.load(ACT, 32), log2e = v128.load(ACT, 48);
  const ln2a = v128.load(ACT, 64), ln2b = v128.load(ACT, 80);
  const p0 = v128.load(ACT, 96), p1 = v128.load(ACT, 112), p2 = v128.load(ACT, 128), p3 = v128.load(ACT, 144), p4 = v128.load(ACT, 160), p5 = v128.load(ACT, 176);
  const one = v128.load(ACT, 192), bias = v128.load(ACT_BIAS);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const e = vexpk(f32x4.neg(ld(src + o)), hi, lo, magic, log2e, ln2a, ln2b, p0, p1, p2, p3, p4, p5, one, bias);
    st(dst + o, f32x4.div(one, f32x4.add(one, e)));
  }
  for (; j < n; j++) fs(dst + (<usize>j << 2), ssigmoid(fl(src + (<usize>j << 2))));
}

/** dst[0..n) ← tanh(src[0..n)) (may be in place). */
function tanhRow(src: usize, dst: usize, n: i32): void {
  const hi = v128.load(ACT, 208), lo = f32x4.neg(hi);
  const a13 = v128.load(ACT, 224), a11 = v128.load(ACT, 240), a9 = v128.load(ACT, 256), a7 = v128.load(ACT, 272);
  const a5 = v128.load(ACT, 288), a3 = v128.load(ACT, 304), a1 = v128.load(ACT, 320);
  const b6 = v128.load(ACT, 336), b4 = v128.load(ACT, 352), b2 = v128.load(ACT, 368), b0 = v128.load(ACT, 384);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const x = f32x4.pmax(f32x4.pmin(ld(src + o), hi), lo);
    const x2 = f32x4.mul(x, x);
    let p = f32x4.add(f32x4.mul(x2, a13), a11);
    p = f32x4.add(f32x4.mul(x2, p), a9);
    p = f32x4.add(f32x4.mul(x2, p), a7);
    p = f32x4.add(f32x4.mul(x2, p), a5);
    p = f32x4.add(f32x4.mul(x2, p), a3);
    p = f32x4.add(f32x4.mul(x2, p), a1);
    let q = f32x4.add(f32x4.mul(x2, b6), b4);
    q = f32x4.add(f32x4.mul(x2, q), b2);
    q = f32x4.add(f32x4.mul(x2, q), b0);
    st(dst + o, f32x4.div(f32x4.mul(x, p), q));
  }
  for (; j < n; j++) fs(dst + (<usize>j << 2), stanh(fl(src + (<usize>j << 2))));
}

function ssigmoid(x: f32): f32 {
  return f32(1) / (f32(1) + Mathf.exp(-x));
}

function stanh(x: f32): f32 {
  return Mathf.tanh(x);
}



function fl(p: usize): f32 {
  return load<f32>(p);
}

function fs(p: usize, v: f32): void {
  store<f32>(p, v);
}

// ---------------------------------------------------------------------------------------------
// GEMM: C[M×N] += A[M×K] · B[K×N], strided A (see asm/gemm.ts). The kernels here and in
// asm/attention.ts call it as `gemm`; it is asm/gemm.ts's sgemm (this file had its own copy).

export function gemm(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  sgemm(M, N, K, a, rsA, csA, b, ldb, c, ldc);
}

/** Fill n floats at p with zero. */
export function zero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
}

/**
 * 1: the layer backward kernels accept dx = 0 (skip the input gradient). The loader passes 0 only
 * when the module has this export, so a stale build never writes through a null pointer.
 */
export function rnnSkipsDx(): i32 {
  return 1;
}

/** Start of the free memory (the caller lays out its buffers from here). */
export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

// ---------------------------------------------------------------------------------------------
// LSTM

/**
 * Forward over T steps. `xp` [B,T,4H]: x·W + b on entry, the activated gates (i, f, g, o) on return.
 * `u` [H,4H] recurrent kernel. Writes `hs`, `cs` [B,T,H] (hidden and cell state of every step).
 */
export function lstmForward(B: i32, T: i32, H: i32, xp: usize, u: usize, hs: usize, cs: usize): void {
  const G = 4 * H;
  const rowG = <usize>(T * G) << 2;
  const rowH = <usize>(T * H) << 2;
  const h4 = <usize>H << 2;
  for (let t = 0; t < T; t++) {
    if (t > 0) gemm(B, G, H, hs + (<usize>((t - 1) * H) << 2), T * H, 1, u, G, xp + (<usize>(t * G) << 2), T * G);
    for (let b = 0; b < B; b++) {
      const g = xp + <usize>b * rowG + (<usize>(t * G) << 2);
      const c = cs + <usize>b * rowH + (<usize>(t * H) << 2);
      const h = hs + <usize>b * rowH + (<usize>(t * H) << 2);
      const cp = c - h4; // previous step's cell state (t > 0)
      sigmoidRow(g, g, 2 * H); // i, f
      tanhRow(g + 2 * h4, g + 2 * h4, H); // g
      sigmoidRow(g + 3 * h4, g + 3 * h4, H); // o
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        let cv = f32x4.mul(ld(g + o4), ld(g + 2 * h4 + o4));
        if (t > 0) cv = f32x4.add(cv, f32x4.mul(ld(g + h4 + o4), ld(cp + o4)));
        st(c + o4, cv);
      }
      for (; j < H; j++) {
        const o4 = <usize>j << 2;
        let cv = fl(g + o4) * fl(g + 2 * h4 + o4);
        if (t > 0) cv += fl(g + h4 + o4) * fl(cp + o4);
        fs(c + o4, cv);
      }
      tanhRow(c, h, H); // h = o ∘ tanh(c)
      j = 0;
      for (; j + 4 <= H; j += 4) st(h + (<usize>j << 2), f32x4.mul(ld(h + (<usize>j << 2)), ld(g + 3 * h4 + (<usize>j << 2))));
      for (; j < H; j++) fs(h + (<usize>j << 2), fl(h + (<usize>j << 2)) * fl(g + 3 * h4 + (<usize>j << 2)));
    }
  }
}

/**
 * Backward through time. `gates` (activated, from {@link lstmForward}), `cs`, `hs` [B,T,H]; `ut`
 * [4H,H] the transposed recurrent kernel; `dy` the output gradient, [B,T,H] when `seq` else [B,H]
 * (last step only). Writes `dg` [B,T,4H] (gradient of the pre-activation gates = of x·W + b) and
 * `du` [H,4H] (recurrent kernel gradient). `dh`, `dc` are [B,H] scratch.
 */
export function lstmBackward(B: i32, T: i32, H: i32, gates: usize, cs: usize, hs: usize, ut: usize, dy: usize, seq: i32, dg: usize, du: usize, dh: usize, dc: usize): void {
  const G = 4 * H;
  const rowG = <usize>(T * G) << 2;
  const rowH = <usize>(T * H) << 2;
  const h4 = <usize>H << 2;
  const one = v128.load(ACT, 192); // 1.0 ×4 (from memory: see the Vector math note)
  zero(dc, B * H);
  // dh ← dy at the last step
  for (let b = 0; b < B; b++) {
    memory.copy(dh + <usize>b * h4, seq ? dy + <usize>b * rowH + (<usize>((T - 1) * H) << 2) : dy + <usize>b * h4, h4);
  }
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const g = gates + <usize>b * rowG + (<usize>(t * G) << 2);
      const d = dg + <usize>b * rowG + (<usize>(t * G) << 2);
      const c = cs + <usize>b * rowH + (<usize>(t * H) << 2);
      const cp = c - h4;
      const dhb = dh + <usize>b * h4;
      const dcb = dc + <usize>b * h4;
      tanhRow(c, d + 3 * h4, H); // tanh(c_t), parked in the o-gate slot of dg until it is written
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        const iv = ld(g + o4), fv = ld(g + h4 + o4), gv = ld(g + 2 * h4 + o4), ov = ld(g + 3 * h4 + o4);
        const tc = ld(d + 3 * h4 + o4);
        const dhv = ld(dhb + o4);
        const dcv = f32x4.add(ld(dcb + o4), f32x4.mul(f32x4.mul(dhv, ov), f32x4.sub(one, f32x4.mul(tc, tc))));
        const cprev = t > 0 ? ld(cp + o4) : f32x4.splat(0);
        st(d + o4, f32x4.mul(f32x4.mul(dcv, gv), f32x4.mul(iv, f32x4.sub(one, iv))));
        st(d + h4 + o4, f32x4.mul(f32x4.mul(dcv, cprev), f32x4.mul(fv, f32x4.sub(one, fv))));
        st(d + 2 * h4 + o4, f32x4.mul(f32x4.mul(dcv, iv), f32x4.sub(one, f32x4.mul(gv, gv))));
        st(d + 3 * h4 + o4, f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(ov, f32x4.sub(one, ov))));
        st(dcb + o4, f32x4.mul(dcv, fv));
      }
      for (; j < H; j++) {
        const o4 = <usize>j << 2;
        const iv = fl(g + o4), fv = fl(g + h4 + o4), gv = fl(g + 2 * h4 + o4), ov = fl(g + 3 * h4 + o4);
        const tc = fl(d + 3 * h4 + o4);
        const dhv = fl(dhb + o4);
        const dcv = fl(dcb + o4) + dhv * ov * (f32(1) - tc * tc);
        const cprev: f32 = t > 0 ? fl(cp + o4) : f32(0);
        fs(d + o4, dcv * gv * iv * (f32(1) - iv));
        fs(d + h4 + o4, dcv * cprev * fv * (f32(1) - fv));
        fs(d + 2 * h4 + o4, dcv * iv * (f32(1) - gv * gv));
        fs(d + 3 * h4 + o4, dhv * tc * ov * (f32(1) - ov));
        fs(dcb + o4, dcv * fv);
      }
    }
    if (t > 0) {
      // dh_{t-1} = dy_{t-1} + dg_t · Uᵀ
      if (seq) {
        for (let b = 0; b < B; b++) memory.copy(dh + <usize>b * h4, dy + <usize>b * rowH + (<usize>((t - 1) * H) << 2), h4);
      } else {
        zero(dh, B * H);
      }
      gemm(B, H, G, dg + (<usize>(t * G) << 2), T * G, 1, ut, H, dh, H);
    }
  }
  // dU = Σ_b Σ_{t≥1} h_{t-1}ᵀ · dg_t
  zero(du, H * G);
  if (T > 1) {
    for (let b = 0; b < B; b++) {
      gemm(H, G, T - 1, hs + <usize>b * rowH, 1, H, dg + <usize>b * rowG + (<usize>G << 2), G, du, G);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// GRU (tfjs / Keras reset_after = false): z = σ(xz + h·Uz), r = σ(xr + h·Ur),
// ĥ = tanh(xh + (r∘h)·Uh), h' = z∘h + (1 − z)∘ĥ.

/**
 * Forward over T steps. `xp` [B,T,3H]: x·W + b on entry, the activated gates (z, r, ĥ) on return.
 * `u` [H,3H]. Writes `hs` [B,T,H] and `rh` [B,T,H] (r∘h_{t-1}, kept for the backward pass).
 */
export function gruForward(B: i32, T: i32, H: i32, xp: usize, u: usize, hs: usize, rh: usize): void {
  const G = 3 * H;
  const rowG = <usize>(T * G) << 2;
  const rowH = <usize>(T * H) << 2;
  const h4 = <usize>H << 2;
  const one = v128.load(ACT, 192); // 1.0 ×4 (from memory: see the Vector math note)
  for (let t = 0; t < T; t++) {
    if (t > 0) gemm(B, 2 * H, H, hs + (<usize>((t - 1) * H) << 2), T * H, 1, u, G, xp + (<usize>(t * G) << 2), T * G);
    for (let b = 0; b < B; b++) {
      const g = xp + <usize>b * rowG + (<usize>(t * G) << 2);
      const q = rh + <usize>b * rowH + (<usize>(t * H) << 2);
      const hp = hs + <usize>b * rowH + (<usize>(t * H) << 2) - h4;
      sigmoidRow(g, g, 2 * H); // z, r
      let j = 0;
      if (t > 0) {
        for (; j + 4 <= H; j += 4) st(q + (<usize>j << 2), f32x4.mul(ld(g + h4 + (<usize>j << 2)), ld(hp + (<usize>j << 2))));
        for (; j < H; j++) fs(q + (<usize>j << 2), fl(g + h4 + (<usize>j << 2)) * fl(hp + (<usize>j << 2)));
      } else {
        zero(q, H);
      }
    }
    if (t > 0) gemm(B, H, H, rh + (<usize>(t * H) << 2), T * H, 1, u + (<usize>(2 * H) << 2), G, xp + (<usize>(t * G + 2 * H) << 2), T * G);
    for (let b = 0; b < B; b++) {
      const g = xp + <usize>b * rowG + (<usize>(t * G) << 2);
      const h = hs + <usize>b * rowH + (<usize>(t * H) << 2);
      const hp = h - h4;
      tanhRow(g + 2 * h4, g + 2 * h4, H); // ĥ
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        const zv = ld(g + o4);
        const hh = ld(g + 2 * h4 + o4);
        let hv = f32x4.mul(f32x4.sub(one, zv), hh);
        if (t > 0) hv = f32x4.add(hv, f32x4.mul(zv, ld(hp + o4)));
        st(h + o4, hv);
      }
      for (; j < H; j++) {
        const o4 = <usize>j << 2;
        const zv = fl(g + o4);
        const hh = fl(g + 2 * h4 + o4);
        let hv = (f32(1) - zv) * hh;
        if (t > 0) hv += zv * fl(hp + o4);
        fs(h + o4, hv);
      }
    }
  }
}

/**
 * Backward through time. `gates` (activated z, r, ĥ), `hs`, `rh` [B,T,H] from {@link gruForward};
 * `ut` [3H,H] the transposed recurrent kernel; `dy` [B,T,H] when `seq` else [B,H]. Writes `dg`
 * [B,T,3H] (gradient of x·W + b) and `du` [H,3H]. `dh`, `drh` are [B,H] scratch.
 */
export function gruBackward(B: i32, T: i32, H: i32, gates: usize, hs: usize, rh: usize, ut: usize, dy: usize, seq: i32, dg: usize, du: usize, dh: usize, drh: usize): void {
  const G = 3 * H;
  const rowG = <usize>(T * G) << 2;
  const rowH = <usize>(T * H) << 2;
  const h4 = <usize>H << 2;
  const one = v128.load(ACT, 192); // 1.0 ×4 (from memory: see the Vector math note)
  for (let b = 0; b < B; b++) {
    memory.copy(dh + <usize>b * h4, seq ? dy + <usize>b * rowH + (<usize>((T - 1) * H) << 2) : dy + <usize>b * h4, h4);
  }
  for (let t = T - 1; t >= 0; t--) {
    // candidate and update gates; dh becomes the direct part z∘dh of dh_{t-1}
    for (let b = 0; b < B; b++) {
      const g = gates + <usize>b * rowG + (<usize>(t * G) << 2);
      const d = dg + <usize>b * rowG + (<usize>(t * G) << 2);
      const hp = hs + <usize>b * rowH + (<usize>(t * H) << 2) - h4;
      const dhb = dh + <usize>b * h4;
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        const zv = ld(g + o4), hh = ld(g + 2 * h4 + o4);
        const dhv = ld(dhb + o4);
        const hpv = t > 0 ? ld(hp + o4) : f32x4.splat(0);
        st(d + 2 * h4 + o4, f32x4.mul(f32x4.mul(dhv, f32x4.sub(one, zv)), f32x4.sub(one, f32x4.mul(hh, hh))));
        st(d + o4, f32x4.mul(f32x4.mul(dhv, f32x4.sub(hpv, hh)), f32x4.mul(zv, f32x4.sub(one, zv))));
        st(dhb + o4, f32x4.mul(dhv, zv));
      }
      for (; j < H; j++) {
        const o4 = <usize>j << 2;
        const zv = fl(g + o4), hh = fl(g + 2 * h4 + o4);
        const dhv = fl(dhb + o4);
        const hpv: f32 = t > 0 ? fl(hp + o4) : f32(0);
        fs(d + 2 * h4 + o4, dhv * (f32(1) - zv) * (f32(1) - hh * hh));
        fs(d + o4, dhv * (hpv - hh) * zv * (f32(1) - zv));
        fs(dhb + o4, dhv * zv);
      }
    }
    if (t > 0) {
      // d(r∘h) = dĥ_pre · Uhᵀ
      zero(drh, B * H);
      gemm(B, H, H, dg + (<usize>(t * G + 2 * H) << 2), T * G, 1, ut + (<usize>(2 * H * H) << 2), H, drh, H);
      for (let b = 0; b < B; b++) {
        const g = gates + <usize>b * rowG + (<usize>(t * G) << 2);
        const d = dg + <usize>b * rowG + (<usize>(t * G) << 2);
        const hp = hs + <usize>b * rowH + (<usize>(t * H) << 2) - h4;
        const dhb = dh + <usize>b * h4;
        const q = drh + <usize>b * h4;
        let j = 0;
        for (; j + 4 <= H; j += 4) {
          const o4 = <usize>j << 2;
          const rv = ld(g + h4 + o4);
          const dq = ld(q + o4);
          st(d + h4 + o4, f32x4.mul(f32x4.mul(dq, ld(hp + o4)), f32x4.mul(rv, f32x4.sub(one, rv))));
          st(dhb + o4, f32x4.add(ld(dhb + o4), f32x4.mul(dq, rv)));
        }
        for (; j < H; j++) {
          const o4 = <usize>j << 2;
          const rv = fl(g + h4 + o4);
          const dq = fl(q + o4);
          fs(d + h4 + o4, dq * fl(hp + o4) * rv * (f32(1) - rv));
          fs(dhb + o4, fl(dhb + o4) + dq * rv);
        }
      }
      if (seq) {
        for (let b = 0; b < B; b++) {
          const dhb = dh + <usize>b * h4;
          const s = dy + <usize>b * rowH + (<usize>((t - 1) * H) << 2);
          let j = 0;
          for (; j + 4 <= H; j += 4) st(dhb + (<usize>j << 2), f32x4.add(ld(dhb + (<usize>j << 2)), ld(s + (<usize>j << 2))));
          for (; j < H; j++) fs(dhb + (<usize>j << 2), fl(dhb + (<usize>j << 2)) + fl(s + (<usize>j << 2)));
        }
      }
      // dh_{t-1} += [dz, dr]_pre · [Uz, Ur]ᵀ
      gemm(B, H, 2 * H, dg + (<usize>(t * G) << 2), T * G, 1, ut, H, dh, H);
    } else {
      // t = 0: h_{-1} = 0, so the reset gate has no gradient
      for (let b = 0; b < B; b++) {
        const d = dg + <usize>b * rowG;
        zero(d + h4, H);
      }
    }
  }
  // dU[:, :2H] = Σ h_{t-1}ᵀ · [dz, dr]_t ; dU[:, 2H:] = Σ (r∘h_{t-1})ᵀ · dĥ_t   (t ≥ 1)
  zero(du, H * G);
  if (T > 1) {
    for (let b = 0; b < B; b++) {
      gemm(H, 2 * H, T - 1, hs + <usize>b * rowH, 1, H, dg + <usize>b * rowG + (<usize>G << 2), G, du, G);
      gemm(H, H, T - 1, rh + <usize>b * rowH + h4, 1, H, dg + <usize>b * rowG + (<usize>(G + 2 * H) << 2), G, du + (<usize>(2 * H) << 2), G);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Whole layers: input projection + recurrence (forward), and all gradients (backward), so that one
// call per layer and thread does everything. A thread gets a contiguous range of batch rows (the
// caller offsets the [B, T, ·] pointers); the weight gradients it writes are partial sums over its
// rows, which the caller adds up.

/** rows × n matrix `y` ← every row = `bias` [n], then y += x [rows × k] · w [k × n]. */
export function project(rows: i32, k: i32, n: i32, x: usize, w: usize, bias: usize, y: usize): void {
  const n4 = <usize>n << 2;
  for (let r = 0; r < rows; r++) memory.copy(y + <usize>r * n4, bias, n4);
  gemm(rows, n, k, x, k, 1, w, n, y, n);
}

/** db [n] ← column sums of g [rows × n]. */
export function colSums(rows: i32, n: i32, g: usize, db: usize): void {
  zero(db, n);
  const n4 = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const gr = g + <usize>r * n4;
    let j = 0;
    for (; j + 4 <= n; j += 4) st(db + (<usize>j << 2), f32x4.add(ld(db + (<usize>j << 2)), ld(gr + (<usize>j << 2))));
    for (; j < n; j++) fs(db + (<usize>j << 2), fl(db + (<usize>j << 2)) + fl(gr + (<usize>j << 2)));
  }
}

/**
 * Input-side gradients from dg [rows × n]: dw [k × n] = xᵀ·dg, db = Σ dg, dx [rows × k] = dg·wt
 * (wt = wᵀ, [n × k]). `dx` = 0 skips the input gradient (a layer whose input needs none, such as
 * the first layer of a network).
 */
export function inputGrads(rows: i32, k: i32, n: i32, x: usize, wt: usize, dg: usize, dw: usize, db: usize, dx: usize): void {
  zero(dw, k * n);
  // K-blocked so that each block of dg stays in cache while all row tiles of xᵀ pass over it
  const KB = 128;
  for (let r0 = 0; r0 < rows; r0 += KB) {
    const kb = min(KB, rows - r0);
    gemm(k, n, kb, x + (<usize>(r0 * k) << 2), 1, k, dg + (<usize>(r0 * n) << 2), n, dw, n);
  }
  colSums(rows, n, dg, db);
  if (dx == 0) return;
  zero(dx, rows * k);
  gemm(rows, k, n, dg, n, 1, wt, k, dx, k);
}

/** LSTM layer forward: gates ← x·W + b, then {@link lstmForward}. */
export function lstmLayerForward(B: i32, T: i32, F: i32, H: i32, x: usize, w: usize, bias: usize, u: usize, gates: usize, hs: usize, cs: usize): void {
  project(B * T, F, 4 * H, x, w, bias, gates);
  lstmForward(B, T, H, gates, u, hs, cs);
}

/** LSTM layer backward: {@link lstmBackward} then {@link inputGrads}. */
export function lstmLayerBackward(B: i32, T: i32, F: i32, H: i32, x: usize, wt: usize, gates: usize, cs: usize, hs: usize, ut: usize, dy: usize, seq: i32, dg: usize, du: usize, dw: usize, db: usize, dx: usize, s1: usize, s2: usize): void {
  lstmBackward(B, T, H, gates, cs, hs, ut, dy, seq, dg, du, s1, s2);
  inputGrads(B * T, F, 4 * H, x, wt, dg, dw, db, dx);
}

/** GRU layer forward: gates ← x·W + b, then {@link gruForward}. */
export function gruLayerForward(B: i32, T: i32, F: i32, H: i32, x: usize, w: usize, bias: usize, u: usize, gates: usize, hs: usize, rh: usize): void {
  project(B * T, F, 3 * H, x, w, bias, gates);
  gruForward(B, T, H, gates, u, hs, rh);
}

/** GRU layer backward: {@link gruBackward} then {@link inputGrads} (state arguments in the LSTM's order: r∘h, then h). */
export function gruLayerBackward(B: i32, T: i32, F: i32, H: i32, x: usize, wt: usize, gates: usize, rh: usize, hs: usize, ut: usize, dy: usize, seq: i32, dg: usize, du: usize, dw: usize, db: usize, dx: usize, s1: usize, s2: usize): void {
  gruBackward(B, T, H, gates, hs, rh, ut, dy, seq, dg, du, s1, s2);
  inputGrads(B * T, F, 3 * H, x, wt, dg, dw, db, dx);
}
