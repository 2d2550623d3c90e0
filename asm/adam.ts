/**
 * One Adam step over n parameters, in place, 128-bit SIMD (src/models/tf/adam.ts's fused optimiser):
 *   m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,  x ← x − lr·(m·c1) / (√(v·c2) + ε)
 * with c1 = 1/(1 − β₁ᵗ), c2 = 1/(1 − β₂ᵗ) (tfjs's Adam arithmetic, in float32 like tfjs's kernels).
 */
import { ld, st } from './simd';

export function adamStep(n: i32, x: usize, m: usize, v: usize, g: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, c1: f32, c2: f32): void {
  const b1 = f32x4.splat(beta1), b1c = f32x4.splat(1 - beta1);
  const b2 = f32x4.splat(beta2), b2c = f32x4.splat(1 - beta2);
  const lrv = f32x4.splat(lr), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2), ev = f32x4.splat(eps);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = ld(g + o);
    const mv = f32x4.add(f32x4.mul(b1, ld(m + o)), f32x4.mul(b1c, gv));
    const vv = f32x4.add(f32x4.mul(b2, ld(v + o)), f32x4.mul(b2c, f32x4.mul(gv, gv)));
    st(m + o, mv);
    st(v + o, vv);
    const step = f32x4.div(f32x4.mul(lrv, f32x4.mul(mv, c1v)), f32x4.add(f32x4.sqrt(f32x4.mul(vv, c2v)), ev));
    st(x + o, f32x4.sub(ld(x + o), step));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gi = load<f32>(g + o);
    const mi = beta1 * load<f32>(m + o) + (1 - beta1) * gi;
    const vi = beta2 * load<f32>(v + o) + (1 - beta2) * gi * gi;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(x + o, load<f32>(x + o) - (lr * (mi * c1)) / (Mathf.sqrt(vi * c2) + eps));
  }
}
