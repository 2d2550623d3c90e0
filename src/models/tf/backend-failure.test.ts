import { describe, expect, it } from 'vitest';
import { ShopfloorError } from '../../core/errors.js';
import { initBackend, tf } from './backend.js';

// vitest isolates modules per test file, so this file gets a fresh, uninitialised backend.
describe('initBackend when wasm cannot start', () => {
  it("throws SF_BACKEND instead of silently falling back to 'cpu'", async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths('/nonexistent-shopfloor-wasm-dir/');
    const err = await initBackend({ backend: 'wasm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShopfloorError);
    expect((err as ShopfloorError).code).toBe('SF_BACKEND');
    expect((err as Error).message).toMatch(/does not fall back/);
    expect(tf.getBackend()).not.toBe('cpu');
  });
});
