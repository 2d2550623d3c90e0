/**
 * API token generation and hashing. Tokens are 32 random bytes (256 bits) in base64url with an `sf_`
 * prefix. Because they are high-entropy secrets (not passwords a person picks), a single sha256 is
 * enough to store them: a slow KDF such as scrypt guards against guessing low-entropy secrets, which
 * 2^256 possibilities already rule out, and it would make every request slower.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A new plaintext token, e.g. `sf_3q2-…`. Show it once; store only `hashToken(token)`. */
export function generateToken(): string {
  return `sf_${randomBytes(32).toString('base64url')}`;
}

/** The hex sha256 stored for a token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
