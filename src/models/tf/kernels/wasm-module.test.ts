import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { alloc, free, KERNELS_RELAXED_WASM_URL, kernelModule, kernelsVariant, type Region } from './wasm-module.js';

/**
 * Which build runs these tests: `npm test` runs the kernel tests twice, once as they load (the
 * relaxed-SIMD build, fused multiply-add, where the runtime takes it) and once with
 * SHOPFLOOR_RELAXED_SIMD=0 (the plain SIMD build), so both builds pass the same checks.
 */
describe('kernel build', () => {
  it('loads the relaxed-SIMD build when it was built and not switched off, else the plain one', () => {
    const off = process.env['SHOPFLOOR_RELAXED_SIMD'] === '0' || process.env['SHOPFLOOR_KERNELS_WASM'] !== undefined;
    if (off) expect(kernelsVariant()).toBe('simd');
    else if (existsSync(fileURLToPath(KERNELS_RELAXED_WASM_URL))) expect(kernelsVariant()).toBe('relaxed-simd');
    else expect(kernelsVariant()).toBe('simd');
  });
});


/** The region allocator of shopfloor's kernel module (wasm-module.ts). */
describe('wasm kernel module regions', () => {
  it('frees out of order leave no stranded memory (a gradient region kept across the next layer)', () => {
    const m = kernelModule();
    if (!m) throw new Error('module not built: npm run build:wasm');
    const highest: number[] = [];
    let pending: Region | null = null;
    for (let step = 0; step < 50; step++) {
      // forward: two layers keep state; a third (dense) frees the previous step's pending gradient region
      const l1 = alloc(m, [1000, 300]);
      const l2 = alloc(m, [2000]);
      if (pending) free(pending);
      pending = null;
      // backward: the dense gradient keeps a pending region while the layers below run theirs
      pending = alloc(m, [500]).region;
      for (const l of [l2, l1]) {
        const t = alloc(m, [700]);
        highest.push(t.region.end);
        free(t.region);
        free(l.region);
      }
    }
    // with a stack allocator this grew by a step's regions every step
    expect(Math.max(...highest.slice(10))).toBe(Math.max(...highest.slice(0, 10)));
    if (pending) free(pending);
  });

  it('gives disjoint buffers and reuses a freed gap that fits', () => {
    const m = kernelModule();
    if (!m) throw new Error('module not built: npm run build:wasm');
    const a = alloc(m, [16, 16]);
    const b = alloc(m, [64]);
    const c = alloc(m, [16]);
    expect(a.offs[1]).toBeGreaterThanOrEqual((a.offs[0] as number) + 64);
    expect(b.region.start).toBeGreaterThanOrEqual(a.region.end);
    expect(c.region.start).toBeGreaterThanOrEqual(b.region.end);
    free(b.region);
    const d = alloc(m, [32]); // fits in b's gap
    expect(d.region.start).toBe(b.region.start);
    expect(d.region.end).toBeLessThanOrEqual(c.region.start);
    const e = alloc(m, [100]); // does not: after c
    expect(e.region.start).toBeGreaterThanOrEqual(c.region.end);
    for (const r of [a, c, d, e]) free(r.region);
  });
});
