/**
 * Fully connected (Dense) layers, forward and backward, for the fused Dense op of
 * src/models/tf/kernels/fused-layers.ts (128-bit SIMD through asm/gemm.ts's sgemm; re-exported by
 * asm/index.ts into build/wasm/kernels.wasm).
 *
 * Layouts (row-major float32, pointers are byte offsets into this module's memory):
 *   x [B, In]   input rows        w [In, Out]   kernel (tfjs-layers' layout)    b [Out]
 *   y [B, Out]  y = act(x·w + b), act 0 linear, 1 relu, 2 tanh
 * Backward, from dy [B, Out] and the saved y:
 *   dz = dy ⊙ act'(y)        (relu: y > 0; tanh: 1 − y²)  — {@link actGrad}, also the conv layers'
 *   dx = dz · wᵀ             [B, Out]·[Out, In]  (wᵀ packed once per call by asm/attention.ts's transpose)
 *   dw = xᵀ · dz             [In, B]·[B, Out]    (xᵀ a strided view of x: no copy)
 *   db = Σ_rows dz           (asm/conv.ts's convBiasGrad)
 * Threads split rows of y / dx (batch rows) and of dw (input features), so no element is a sum of
 * per-thread parts: results are the same bits on one thread or two.
 */
import { sgemm } from './gemm';
import { activateRow } from './conv';
import { ld, st } from './simd';

/**
 * Forward over `nb` rows: y [nb, Out] = act(x [nb, In] · w + b); `b` 0 for no bias.
 */
export function denseForward(nb: i32, In: i32, Out: i32, x: usize, w: usize, b: usize, act: i32, y: usize): void {
  const row = <usize>Out << 2;
  if (b != 0) {
    for (let r = 0; r < nb; r++) memory.copy(y + <usize>r * row, b, row);
  } else {
    memory.fill(y, 0, <usize>nb * row);
  }
  sgemm(nb, Out, In, x, In, 1, w, Out, y, Out);
  if (act != 0) activateRow(y, y, nb * Out, act);
}

/** dz[i] = dy[i] · act'(y[i]) for n floats: act 1 relu (y > 0), 2 tanh (1 − y²); 0 copies dy. */
export function actGrad(n: i32, act: i32, y: usize, dy: usize, dz: usize): void {
  let i = 0;
  if (act == 0) {
    memory.copy(dz, dy, <usize>n << 2);
    return;
  }
  if (act == 1) {
    const z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      st(dz + o, v128.and(ld(dy + o), f32x4.gt(ld(y + o), z)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(dz + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
    }
  } else {
    const one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const yv = ld(y + o);
      st(dz + o, f32x4.mul(ld(dy + o), f32x4.sub(one, f32x4.mul(yv, yv))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const yv = load<f32>(y + o);
      store<f32>(dz + o, load<f32>(dy + o) * (1 - yv * yv));
    }
  }
}

/**
 * One thread's share of a Dense backward pass (dz already computed over all B rows):
 * dx rows [nb, In] ← dz rows [nb, Out] · wᵀ (wt = wᵀ [Out, In]), and dw rows [ni, Out] of the input
 * features starting at column `i0` of x: dw[i0..i0+ni) ← xᵀ[i0..i0+ni) · dz over all B rows.
 * `dx` 0 skips the input gradient (first layer).
 */
export function denseBackward(nb: i32, In: i32, Out: i32, dzRows: usize, wt: usize, dx: usize, B: i32, i0: i32, ni: i32, x: usize, dz: usize, dw: usize): void {
  if (dx != 0 && nb > 0) {
    memory.fill(dx, 0, <usize>(nb * In) << 2);
    sgemm(nb, In, Out, dzRows, Out, 1, wt, In, dx, In);
  }
  if (ni > 0) {
    const dwp = dw + (<usize>(i0 * Out) << 2);
    memory.fill(dwp, 0, <usize>(ni * Out) << 2);
    sgemm(ni, Out, B, x + (<usize>i0 << 2), 1, In, dz, Out, dwp, Out);
  }
}
