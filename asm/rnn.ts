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

import { ld, st, vexp } from './simd';

// ---------------------------------------------------------------------------------------------
// Vector math


function vsigmoid(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

function vtanh(x: v128): v128 {
  // tanh x = 1 − 2 / (e^{2x} + 1)
  const one = f32x4.splat(1.0);
  return f32x4.sub(one, f32x4.div(f32x4.splat(2.0), f32x4.add(vexp(f32x4.add(x, x)), one)));
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
// GEMM: C[M×N] += A[M×K] · B[K×N]. A is addressed with strides (element (i, k) at i·rsA + k·csA, so
// a transposed A costs nothing); B and C are row-major with leading dimensions ldb, ldc. Sizes in
// elements, pointers in bytes. Register tiles of 4 rows × 8 columns (8 accumulators).

export function gemm(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  const ra = <usize>rsA << 2;
  const ca = <usize>csA << 2;
  const rb = <usize>ldb << 2;
  const rc = <usize>ldc << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = a + <usize>i * ra;
    const c0 = c + <usize>i * rc;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const cp = c0 + (<usize>j << 2);
      let c00 = ld(cp), c01 = ld(cp + 16);
      let c10 = ld(cp + rc), c11 = ld(cp + rc + 16);
      let c20 = ld(cp + 2 * rc), c21 = ld(cp + 2 * rc + 16);
      let c30 = ld(cp + 3 * rc), c31 = ld(cp + 3 * rc + 16);
      let ap = a0;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const b0 = ld(bp), b1 = ld(bp + 16);
        let av = v128.load32_splat(ap);
        c00 = f32x4.add(c00, f32x4.mul(av, b0));
        c01 = f32x4.add(c01, f32x4.mul(av, b1));
        av = v128.load32_splat(ap + ra);
        c10 = f32x4.add(c10, f32x4.mul(av, b0));
        c11 = f32x4.add(c11, f32x4.mul(av, b1));
        av = v128.load32_splat(ap + 2 * ra);
        c20 = f32x4.add(c20, f32x4.mul(av, b0));
        c21 = f32x4.add(c21, f32x4.mul(av, b1));
        av = v128.load32_splat(ap + 3 * ra);
        c30 = f32x4.add(c30, f32x4.mul(av, b0));
        c31 = f32x4.add(c31, f32x4.mul(av, b1));
        ap += ca;
        bp += rb;
      }
      st(cp, c00); st(cp + 16, c01);
      st(cp + rc, c10); st(cp + rc + 16, c11);
      st(cp + 2 * rc, c20); st(cp + 2 * rc + 16, c21);
      st(cp + 3 * rc, c30); st(cp + 3 * rc + 16, c31);
    }
    for (; j + 4 <= N; j += 4) {
      const cp = c0 + (<usize>j << 2);
      let c00 = ld(cp), c10 = ld(cp + rc), c20 = ld(cp + 2 * rc), c30 = ld(cp + 3 * rc);
      let ap = a0;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const b0 = ld(bp);
        c00 = f32x4.add(c00, f32x4.mul(v128.load32_splat(ap), b0));
        c10 = f32x4.add(c10, f32x4.mul(v128.load32_splat(ap + ra), b0));
        c20 = f32x4.add(c20, f32x4.mul(v128.load32_splat(ap + 2 * ra), b0));
        c30 = f32x4.add(c30, f32x4.mul(v128.load32_splat(ap + 3 * ra), b0));
        ap += ca;
        bp += rb;
      }
      st(cp, c00); st(cp + rc, c10); st(cp + 2 * rc, c20); st(cp + 3 * rc, c30);
    }
    for (; j < N; j++) {
      const cp = c0 + (<usize>j << 2);
      let s0 = fl(cp), s1 = fl(cp + rc), s2 = fl(cp + 2 * rc), s3 = fl(cp + 3 * rc);
      let ap = a0;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const bv = fl(bp);
        s0 += fl(ap) * bv;
        s1 += fl(ap + ra) * bv;
        s2 += fl(ap + 2 * ra) * bv;
        s3 += fl(ap + 3 * ra) * bv;
        ap += ca;
        bp += rb;
      }
      fs(cp, s0); fs(cp + rc, s1); fs(cp + 2 * rc, s2); fs(cp + 3 * rc, s3);
    }
  }
  for (; i < M; i++) {
    const a0 = a + <usize>i * ra;
    const c0 = c + <usize>i * rc;
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const cp = c0 + (<usize>j << 2);
      let c00 = ld(cp), c01 = ld(cp + 16);
      let ap = a0;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        const av = v128.load32_splat(ap);
        c00 = f32x4.add(c00, f32x4.mul(av, ld(bp)));
        c01 = f32x4.add(c01, f32x4.mul(av, ld(bp + 16)));
        ap += ca;
        bp += rb;
      }
      st(cp, c00); st(cp + 16, c01);
    }
    for (; j + 4 <= N; j += 4) {
      const cp = c0 + (<usize>j << 2);
      let c00 = ld(cp);
      let ap = a0;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        c00 = f32x4.add(c00, f32x4.mul(v128.load32_splat(ap), ld(bp)));
        ap += ca;
        bp += rb;
      }
      st(cp, c00);
    }
    for (; j < N; j++) {
      const cp = c0 + (<usize>j << 2);
      let s0 = fl(cp);
      let ap = a0;
      let bp = b + (<usize>j << 2);
      for (let k = 0; k < K; k++) {
        s0 += fl(ap) * fl(bp);
        ap += ca;
        bp += rb;
      }
      fs(cp, s0);
    }
  }
}

/** Fill n floats at p with zero. */
export function zero(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n << 2);
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
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        const iv = vsigmoid(ld(g + o4));
        const fv = vsigmoid(ld(g + h4 + o4));
        const gv = vtanh(ld(g + 2 * h4 + o4));
        const ov = vsigmoid(ld(g + 3 * h4 + o4));
        let cv = f32x4.mul(iv, gv);
        if (t > 0) cv = f32x4.add(cv, f32x4.mul(fv, ld(cp + o4)));
        st(g + o4, iv);
        st(g + h4 + o4, fv);
        st(g + 2 * h4 + o4, gv);
        st(g + 3 * h4 + o4, ov);
        st(c + o4, cv);
        st(h + o4, f32x4.mul(ov, vtanh(cv)));
      }
      for (; j < H; j++) {
        const o4 = <usize>j << 2;
        const iv = ssigmoid(fl(g + o4));
        const fv = ssigmoid(fl(g + h4 + o4));
        const gv = stanh(fl(g + 2 * h4 + o4));
        const ov = ssigmoid(fl(g + 3 * h4 + o4));
        let cv = iv * gv;
        if (t > 0) cv += fv * fl(cp + o4);
        fs(g + o4, iv);
        fs(g + h4 + o4, fv);
        fs(g + 2 * h4 + o4, gv);
        fs(g + 3 * h4 + o4, ov);
        fs(c + o4, cv);
        fs(h + o4, ov * stanh(cv));
      }
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
  const one = f32x4.splat(1.0);
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
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        const iv = ld(g + o4), fv = ld(g + h4 + o4), gv = ld(g + 2 * h4 + o4), ov = ld(g + 3 * h4 + o4);
        const tc = vtanh(ld(c + o4));
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
        const tc = stanh(fl(c + o4));
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
  const one = f32x4.splat(1.0);
  for (let t = 0; t < T; t++) {
    if (t > 0) gemm(B, 2 * H, H, hs + (<usize>((t - 1) * H) << 2), T * H, 1, u, G, xp + (<usize>(t * G) << 2), T * G);
    for (let b = 0; b < B; b++) {
      const g = xp + <usize>b * rowG + (<usize>(t * G) << 2);
      const q = rh + <usize>b * rowH + (<usize>(t * H) << 2);
      const hp = hs + <usize>b * rowH + (<usize>(t * H) << 2) - h4;
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        const rv = vsigmoid(ld(g + h4 + o4));
        st(g + o4, vsigmoid(ld(g + o4)));
        st(g + h4 + o4, rv);
        st(q + o4, t > 0 ? f32x4.mul(rv, ld(hp + o4)) : f32x4.splat(0));
      }
      for (; j < H; j++) {
        const o4 = <usize>j << 2;
        const rv = ssigmoid(fl(g + h4 + o4));
        fs(g + o4, ssigmoid(fl(g + o4)));
        fs(g + h4 + o4, rv);
        fs(q + o4, t > 0 ? rv * fl(hp + o4) : f32(0));
      }
    }
    if (t > 0) gemm(B, H, H, rh + (<usize>(t * H) << 2), T * H, 1, u + (<usize>(2 * H) << 2), G, xp + (<usize>(t * G + 2 * H) << 2), T * G);
    for (let b = 0; b < B; b++) {
      const g = xp + <usize>b * rowG + (<usize>(t * G) << 2);
      const h = hs + <usize>b * rowH + (<usize>(t * H) << 2);
      const hp = h - h4;
      let j = 0;
      for (; j + 4 <= H; j += 4) {
        const o4 = <usize>j << 2;
        const zv = ld(g + o4);
        const hh = vtanh(ld(g + 2 * h4 + o4));
        st(g + 2 * h4 + o4, hh);
        let hv = f32x4.mul(f32x4.sub(one, zv), hh);
        if (t > 0) hv = f32x4.add(hv, f32x4.mul(zv, ld(hp + o4)));
        st(h + o4, hv);
      }
      for (; j < H; j++) {
        const o4 = <usize>j << 2;
        const zv = fl(g + o4);
        const hh = stanh(fl(g + 2 * h4 + o4));
        fs(g + 2 * h4 + o4, hh);
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
  const one = f32x4.splat(1.0);
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

/** Input-side gradients from dg [rows × n]: dw [k × n] = xᵀ·dg, db = Σ dg, dx [rows × k] = dg·wt (wt = wᵀ, [n × k]). */
export function inputGrads(rows: i32, k: i32, n: i32, x: usize, wt: usize, dg: usize, dw: usize, db: usize, dx: usize): void {
  zero(dw, k * n);
  // K-blocked so that each block of dg stays in cache while all row tiles of xᵀ pass over it
  const KB = 128;
  for (let r0 = 0; r0 < rows; r0 += KB) {
    const kb = min(KB, rows - r0);
    gemm(k, n, kb, x + (<usize>(r0 * k) << 2), 1, k, dg + (<usize>(r0 * n) << 2), n, dw, n);
  }
  colSums(rows, n, dg, db);
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
