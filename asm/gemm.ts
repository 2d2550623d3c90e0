/**
 * Single-precision GEMM for the convolution kernels (asm/conv.ts), 128-bit SIMD:
 *   C[M×N] += A[M×K] · B[K×N]
 * A is addressed with strides (element (i, k) at i·rsA + k·csA, so transposed or overlapping views of
 * A cost nothing); B and C are row-major with leading dimensions ldb, ldc. Sizes in elements,
 * pointers in bytes.
 *
 * Register tiles of 4 rows × 8 columns (8 accumulators), plus one 4 × 12 tile when N ≡ 4 (mod 8):
 * the convolutions here have N = filters or channels rounded up to 4 (12, 16, 64), and for N = 12 a
 * 4×8 + 4×4 split would leave a third of the work in the load-bound 4×4 tile.
 */

import { ld, st } from './simd';

/**
 * c + a·b: multiply, then add. Compiled with `--enable relaxed-simd` it becomes relaxed SIMD's
 * f32x4.relaxed_madd (a fused multiply-add on CPUs with FMA; Node 20 needs
 * `v8.setFlagsFromString('--experimental-wasm-relaxed-simd')` before compiling, which also covers
 * worker threads). `npm run build:wasm` does not do that: on this machine (AMD EPYC with FMA, loaded)
 * the relaxed build was within noise of the plain one (0.9–1.2×), not worth a second module and a
 * load-time choice. The branch is resolved at compile time.
 */
function fma(c: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

function tile4x12(K: i32, ap: usize, ra: usize, ca: usize, bp: usize, rb: usize, cp: usize, rc: usize): void {
  let c00 = ld(cp), c01 = ld(cp + 16), c02 = ld(cp + 32);
  let c10 = ld(cp + rc), c11 = ld(cp + rc + 16), c12 = ld(cp + rc + 32);
  let c20 = ld(cp + 2 * rc), c21 = ld(cp + 2 * rc + 16), c22 = ld(cp + 2 * rc + 32);
  let c30 = ld(cp + 3 * rc), c31 = ld(cp + 3 * rc + 16), c32 = ld(cp + 3 * rc + 32);
  for (let k = 0; k < K; k++) {
    const b0 = ld(bp), b1 = ld(bp + 16), b2 = ld(bp + 32);
    let av = v128.load32_splat(ap);
    c00 = fma(c00, av, b0); c01 = fma(c01, av, b1); c02 = fma(c02, av, b2);
    av = v128.load32_splat(ap + ra);
    c10 = fma(c10, av, b0); c11 = fma(c11, av, b1); c12 = fma(c12, av, b2);
    av = v128.load32_splat(ap + 2 * ra);
    c20 = fma(c20, av, b0); c21 = fma(c21, av, b1); c22 = fma(c22, av, b2);
    av = v128.load32_splat(ap + 3 * ra);
    c30 = fma(c30, av, b0); c31 = fma(c31, av, b1); c32 = fma(c32, av, b2);
    ap += ca;
    bp += rb;
  }
  st(cp, c00); st(cp + 16, c01); st(cp + 32, c02);
  st(cp + rc, c10); st(cp + rc + 16, c11); st(cp + rc + 32, c12);
  st(cp + 2 * rc, c20); st(cp + 2 * rc + 16, c21); st(cp + 2 * rc + 32, c22);
  st(cp + 3 * rc, c30); st(cp + 3 * rc + 16, c31); st(cp + 3 * rc + 32, c32);
}

function tile4x8(K: i32, ap: usize, ra: usize, ca: usize, bp: usize, rb: usize, cp: usize, rc: usize): void {
  let c00 = ld(cp), c01 = ld(cp + 16);
  let c10 = ld(cp + rc), c11 = ld(cp + rc + 16);
  let c20 = ld(cp + 2 * rc), c21 = ld(cp + 2 * rc + 16);
  let c30 = ld(cp + 3 * rc), c31 = ld(cp + 3 * rc + 16);
  for (let k = 0; k < K; k++) {
    const b0 = ld(bp), b1 = ld(bp + 16);
    let av = v128.load32_splat(ap);
    c00 = fma(c00, av, b0); c01 = fma(c01, av, b1);
    av = v128.load32_splat(ap + ra);
    c10 = fma(c10, av, b0); c11 = fma(c11, av, b1);
    av = v128.load32_splat(ap + 2 * ra);
    c20 = fma(c20, av, b0); c21 = fma(c21, av, b1);
    av = v128.load32_splat(ap + 3 * ra);
    c30 = fma(c30, av, b0); c31 = fma(c31, av, b1);
    ap += ca;
    bp += rb;
  }
  st(cp, c00); st(cp + 16, c01);
  st(cp + rc, c10); st(cp + rc + 16, c11);
  st(cp + 2 * rc, c20); st(cp + 2 * rc + 16, c21);
  st(cp + 3 * rc, c30); st(cp + 3 * rc + 16, c31);
}

function tile4x4(K: i32, ap: usize, ra: usize, ca: usize, bp: usize, rb: usize, cp: usize, rc: usize): void {
  let c00 = ld(cp), c10 = ld(cp + rc), c20 = ld(cp + 2 * rc), c30 = ld(cp + 3 * rc);
  for (let k = 0; k < K; k++) {
    const b0 = ld(bp);
    c00 = fma(c00, v128.load32_splat(ap), b0);
    c10 = fma(c10, v128.load32_splat(ap + ra), b0);
    c20 = fma(c20, v128.load32_splat(ap + 2 * ra), b0);
    c30 = fma(c30, v128.load32_splat(ap + 3 * ra), b0);
    ap += ca;
    bp += rb;
  }
  st(cp, c00); st(cp + rc, c10); st(cp + 2 * rc, c20); st(cp + 3 * rc, c30);
}

/** One row of C, 4 columns at a time, then scalars. */
function row1(N: i32, K: i32, ap: usize, ca: usize, b: usize, rb: usize, c0: usize): void {
  let j = 0;
  for (; j + 8 <= N; j += 8) {
    const cp = c0 + (<usize>j << 2);
    let c00 = ld(cp), c01 = ld(cp + 16);
    let a = ap;
    let bp = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      const av = v128.load32_splat(a);
      c00 = fma(c00, av, ld(bp));
      c01 = fma(c01, av, ld(bp + 16));
      a += ca;
      bp += rb;
    }
    st(cp, c00); st(cp + 16, c01);
  }
  for (; j + 4 <= N; j += 4) {
    const cp = c0 + (<usize>j << 2);
    let c00 = ld(cp);
    let a = ap;
    let bp = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      c00 = fma(c00, v128.load32_splat(a), ld(bp));
      a += ca;
      bp += rb;
    }
    st(cp, c00);
  }
  for (; j < N; j++) {
    const cp = c0 + (<usize>j << 2);
    let s = load<f32>(cp);
    let a = ap;
    let bp = b + (<usize>j << 2);
    for (let k = 0; k < K; k++) {
      s += load<f32>(a) * load<f32>(bp);
      a += ca;
      bp += rb;
    }
    store<f32>(cp, s);
  }
}

/** C[M×N] += A[M×K]·B[K×N]; see the module note for the addressing. */
export function sgemm(M: i32, N: i32, K: i32, a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  const ra = <usize>rsA << 2;
  const ca = <usize>csA << 2;
  const rb = <usize>ldb << 2;
  const rc = <usize>ldc << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    const a0 = a + <usize>i * ra;
    const c0 = c + <usize>i * rc;
    let j = 0;
    // one 12-wide tile only when N ≡ 4 (mod 8) (12, 20, …), so no 4-wide tile is left; else 8-wide
    if ((N & 7) == 4 && N >= 12) {
      tile4x12(K, a0, ra, ca, b, rb, c0, rc);
      j = 12;
    }
    for (; j + 8 <= N; j += 8) tile4x8(K, a0, ra, ca, b + (<usize>j << 2), rb, c0 + (<usize>j << 2), rc);
    if (j + 4 <= N) {
      tile4x4(K, a0, ra, ca, b + (<usize>j << 2), rb, c0 + (<usize>j << 2), rc);
      j += 4;
    }
    if (j < N) {
      for (let r = 0; r < 4; r++) row1(N - j, K, a0 + <usize>r * ra, ca, b + (<usize>j << 2), rb, c0 + <usize>r * rc + (<usize>j << 2));
    }
  }
  for (; i < M; i++) row1(N, K, a + <usize>i * ra, ca, b, rb, c + <usize>i * rc);
}
