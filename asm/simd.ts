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
  // pmin/pmax (one instruction each; min/max cost several for their NaN rules) clamp the argument;
  // n = x·log2e rounded to nearest by adding 1.5·2^23, whose low mantissa bits then hold n, so
  // 2^n is (bits + 127) << 23 with no float→int conversion.
  x = f32x4.pmax(f32x4.pmin(x, f32x4.splat(88.0)), f32x4.splat(-87.0));
  const magic = f32x4.splat(12582912.0);
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(1.4426950408889634)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const e = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1.0));
  const pow2 = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return f32x4.mul(e, pow2);
}
