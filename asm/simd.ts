/**
 * SIMD helpers shared by the kernel files (asm/rnn.ts, asm/attention.ts, asm/conv.ts, asm/gemm.ts):
 * 128-bit loads and stores at byte addresses, and the vector exp of the LSTM/GRU gates and the
 * attention softmax. (asm/conv.ts keeps its own exp: its tanh must give the same bits for a value
 * alone or inside a long array, so it rounds differently.) The optimiser inlines these.
 */

/** Load 4 floats at byte address p. */
export function ld(p: usize): v128 {
  return v128.load(p);
}

/** Store 4 floats at byte address p. */
export function st(p: usize, v: v128): void {
  v128.store(p, v);
}

/** e^x, 4 lanes. */
export function vexp(x: v128): v128 {
  // Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-5 polynomial, 2^n through the exponent bits.
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.4426950408889634)), f32x4.splat(0.5)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(e, pow2);
}
