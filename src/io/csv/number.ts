/**
 * Fast, exact decimal → float64 parsing straight from bytes.
 *
 * Clinger's fast path (W. D. Clinger, "How to read floating point numbers accurately", PLDI 1990):
 * when the decimal mantissa fits in 2^53 and the power of ten is at most 22, both are exact doubles
 * and one multiplication or division gives the correctly rounded result. Anything else (long
 * mantissas, large exponents, hex, inf) falls back to `Number()`, which is also correctly rounded.
 * So the result always equals `Number(text)` for decimal text.
 */

const POW10 = [
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
  1e19, 1e20, 1e21, 1e22,
];

const MAX_SAFE = 9007199254740992; // 2^53

/** Sentinel returned when bytes are not a number. Distinct from NaN (which is a valid "missing"). */
export const NOT_A_NUMBER = Symbol('not-a-number');

/**
 * Parse bytes [start, end) of `buf` as a decimal number with `decimal` ('.' = 46 or ',' = 44) as the
 * decimal separator. Leading/trailing spaces are allowed. Returns NOT_A_NUMBER when the text is not a
 * number.
 */
export function parseNumberBytes(buf: Uint8Array, start: number, end: number, decimal = 46): number | typeof NOT_A_NUMBER {
  while (start < end && (buf[start] === 32 || buf[start] === 9)) start++;
  while (end > start && (buf[end - 1] === 32 || buf[end - 1] === 9)) end--;
  if (start >= end) return NOT_A_NUMBER;
  let i = start;
  let neg = false;
  let c = buf[i] as number;
  if (c === 45 /* - */ || c === 43 /* + */) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let exp10 = 0;
  let sawDigit = false;
  let exact = true;
  while (i < end) {
    c = buf[i] as number;
    const d = c - 48;
    if (d < 0 || d > 9) break;
    sawDigit = true;
    if (mant === 0 && d === 0) {
      i++;
      continue;
    }
    if (digits < 16) {
      mant = mant * 10 + d;
      digits++;
    } else {
      exact = false;
      exp10++;
    }
    i++;
  }
  if (i < end && buf[i] === decimal) {
    i++;
    while (i < end) {
      c = buf[i] as number;
      const d = c - 48;
      if (d < 0 || d > 9) break;
      sawDigit = true;
      if (mant === 0 && d === 0) {
        exp10--;
      } else if (digits < 16) {
        mant = mant * 10 + d;
        digits++;
        exp10--;
      } else if (d !== 0) {
        exact = false;
      }
      i++;
    }
  }
  if (!sawDigit) return slowParse(buf, start, end, decimal);
  if (i < end && (buf[i] === 101 || buf[i] === 69) /* e E */) {
    i++;
    let eneg = false;
    if (i < end && (buf[i] === 45 || buf[i] === 43)) {
      eneg = buf[i] === 45;
      i++;
    }
    let e = 0;
    let sawE = false;
    while (i < end) {
      const d = (buf[i] as number) - 48;
      if (d < 0 || d > 9) break;
      sawE = true;
      if (e < 100000) e = e * 10 + d;
      i++;
    }
    if (!sawE) return NOT_A_NUMBER;
    exp10 += eneg ? -e : e;
  }
  if (i !== end) return slowParse(buf, start, end, decimal);
  if (exact && mant < MAX_SAFE) {
    let v: number;
    if (exp10 === 0) v = mant;
    else if (exp10 > 0 && exp10 <= 22) v = mant * (POW10[exp10] as number);
    else if (exp10 < 0 && exp10 >= -22) v = mant / (POW10[-exp10] as number);
    else return slowParse(buf, start, end, decimal);
    return neg ? -v : v;
  }
  return slowParse(buf, start, end, decimal);
}

function slowParse(buf: Uint8Array, start: number, end: number, decimal: number): number | typeof NOT_A_NUMBER {
  let s = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
  if (decimal === 44) {
    if (s.includes('.')) return NOT_A_NUMBER;
    s = s.replace(',', '.');
  }
  // Accept only decimal notation and inf spellings; Number() would also take '0x1f', '' and ' '.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const l = s.toLowerCase();
    if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
    if (l === '-inf' || l === '-infinity') return -Infinity;
    return NOT_A_NUMBER;
  }
  return Number(s);
}
