import { decodeCompactManifest, encodeCompactManifest } from './compact.js';
import type { SigningKey } from './keys.js';
import type { SignedManifest } from './signed-manifest.js';
import { decodeSuitEnvelope, encodeSuitEnvelope } from './suit.js';
import type { Manifest } from './types.js';

/** Encodes and signs a manifest in one of the formats that carry the full model. */
export function encodeSignedManifest(format: 'compact' | 'suit', manifest: Manifest, key: SigningKey): Uint8Array {
  return format === 'compact' ? encodeCompactManifest(manifest, key) : encodeSuitEnvelope(manifest, key);
}

export function decodeSignedManifest(format: 'compact' | 'suit', bytes: Uint8Array): SignedManifest {
  return format === 'compact' ? decodeCompactManifest(bytes) : decodeSuitEnvelope(bytes);
}
