import test from 'ava';
import { Encoder, Tag } from 'cbor-x';
import { verify } from 'node:crypto';
import { DecodeError } from '../../src/core/errors.js';
import { bytesToHex } from '../../src/core/hex.js';
import { sha256 } from '../../src/manifest/digest.js';
import { verifyingKeyOf } from '../../src/manifest/keys.js';
import { UpdateRejectedError } from '../../src/manifest/rejection.js';
import { decodeSuitEnvelope, encodeSuitEnvelope, encodeSuitManifest } from '../../src/manifest/suit.js';
import { ED25519_KEY, ES256_KEY, sampleManifest } from './fixtures.js';

// An independent cbor-x decoder, to check the structure against draft-ietf-suit-manifest.
const cbor = new Encoder({ mapsAsObjects: false, useRecords: false, variableMapSize: true, tagUint8Array: false });
const dec = (bytes: Uint8Array): any => cbor.decode(bytes);

test('SUIT envelope structure: tag 107, auth wrapper with SHA-256 digest and COSE_Sign1, manifest', (t) => {
  const m = sampleManifest();
  const envelope = encodeSuitEnvelope(m, ES256_KEY);
  t.is(bytesToHex(envelope.subarray(0, 2)), 'd86b'); // tag(107)
  const top = dec(envelope) as Tag;
  t.is(top.tag, 107);
  const map = top.value as Map<number, Uint8Array>;
  t.deepEqual([...map.keys()], [2, 3]);
  const [digestBytes, sign1Bytes] = dec(map.get(2)!) as Uint8Array[];
  const digest = dec(digestBytes!) as [number, Uint8Array];
  t.is(digest[0], -16);
  t.deepEqual(new Uint8Array(digest[1]), sha256(map.get(3)!));
  const sign1 = dec(sign1Bytes!) as Tag;
  t.is(sign1.tag, 18);
  const [protectedBytes, unprotected, payload, signature] = sign1.value as [Uint8Array, Map<number, unknown>, null, Uint8Array];
  t.deepEqual(dec(protectedBytes), new Map([[1, -7]]));
  t.is(unprotected.size, 0);
  t.is(payload, null); // detached: the payload is the SUIT_Digest
  // RFC 9052 §4.4 Sig_structure, built independently here.
  const toBeSigned = cbor.encode(['Signature1', protectedBytes, Buffer.alloc(0), digestBytes]);
  t.true(verify('sha256', toBeSigned, { key: verifyingKeyOf(ES256_KEY).publicKey, dsaEncoding: 'ieee-p1363' }, signature));

  const manifest = dec(map.get(3)!) as Map<number, unknown>;
  t.deepEqual([...manifest.keys()], [1, 2, 3, 7, 20]);
  t.is(manifest.get(1), 1);
  t.is(manifest.get(2), m.sequenceNumber);
  const common = dec(manifest.get(3) as Uint8Array) as Map<number, unknown>;
  t.deepEqual(common.get(2), [[Uint8Array.from([0])]]);
  const shared = dec(common.get(4) as Uint8Array) as unknown[];
  t.is(shared[0], 20);
  const params = shared[1] as Map<number, unknown>;
  t.deepEqual(new Uint8Array(params.get(1) as Uint8Array), m.vendorId);
  t.deepEqual(new Uint8Array(params.get(2) as Uint8Array), m.classId);
  t.is(params.get(14), m.newImage.sizeBytes);
  t.deepEqual(shared.slice(2), [1, 15, 2, 15]);
  t.deepEqual(dec(manifest.get(7) as Uint8Array), [3, 15]);
  const install = dec(manifest.get(20) as Uint8Array) as unknown[];
  // Delta: precursor image-match, fetch, new image-match.
  t.deepEqual(install.filter((_, i) => i % 2 === 0), [20, 3, 20, 21, 20, 3]);
  const precursor = install[1] as Map<number, unknown>;
  t.is(precursor.get(14), m.precursor!.sizeBytes);
  t.deepEqual(new Uint8Array((dec(precursor.get(3) as Uint8Array) as [number, Uint8Array])[1]), m.precursor!.sha256);
});

for (const key of [ES256_KEY, ED25519_KEY]) {
  test(`SUIT round trip (${key.algorithm}), full and delta, with and without encryption`, (t) => {
    const variants = [
      sampleManifest(),
      sampleManifest({ encryption: undefined }),
      sampleManifest({ payloadType: 'full', deltaFormat: undefined, precursor: undefined }),
      sampleManifest({ payloadType: 'full', deltaFormat: undefined, precursor: undefined, encryption: undefined, sequenceNumber: 0xffffffff }),
    ];
    for (const m of variants) {
      const decoded = decodeSuitEnvelope(encodeSuitEnvelope(m, key));
      t.deepEqual(decoded.manifest, m);
      t.is(decoded.algorithm, key.algorithm);
    }
  });
}

test('SUIT decoding refuses a manifest that does not match its digest, and foreign encodings', (t) => {
  const m = sampleManifest();
  const envelope = encodeSuitEnvelope(m, ES256_KEY);
  const top = dec(envelope) as Tag;
  const map = top.value as Map<number, Uint8Array>;
  // Swap in another (well-formed) manifest under the old authentication wrapper.
  const other = encodeSuitManifest({ ...m, sequenceNumber: m.sequenceNumber + 1 });
  const swapped = cbor.encode(new Tag(new Map([[2, map.get(2)], [3, Buffer.from(other)]]), 107));
  t.throws(() => decodeSuitEnvelope(swapped), { instanceOf: UpdateRejectedError, code: 'UPDATE_MANIFEST_DIGEST_MISMATCH' });
  // Same content, non-canonical: envelope keys in another order.
  const reordered = cbor.encode(new Tag(new Map([[3, map.get(3)], [2, map.get(2)]]), 107));
  t.throws(() => decodeSuitEnvelope(reordered), { instanceOf: DecodeError });
  t.throws(() => decodeSuitEnvelope(cbor.encode(new Tag(map, 106))), { instanceOf: DecodeError, message: /tag 107/ });
  t.throws(() => decodeSuitEnvelope(Uint8Array.from([...envelope, 0])), { instanceOf: DecodeError });
  for (let length = 0; length < envelope.length; length++) {
    t.throws(() => decodeSuitEnvelope(envelope.subarray(0, length)), { instanceOf: DecodeError }, `length ${length}`);
  }
});
