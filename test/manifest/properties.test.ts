import test from 'ava';
import fc from 'fast-check';
import { isFuotaError } from '../../src/core/errors.js';
import { decodeCompactManifest, encodeCompactManifest } from '../../src/manifest/compact.js';
import { verifyingKeyOf } from '../../src/manifest/keys.js';
import { decodePackage } from '../../src/manifest/package-format.js';
import { verifyMessage } from '../../src/manifest/signature.js';
import { decodeSigningToolTrailer } from '../../src/manifest/signing-tool-trailer.js';
import { decodeSuitEnvelope, encodeSuitEnvelope } from '../../src/manifest/suit.js';
import { DELTA_FORMATS, type Manifest } from '../../src/manifest/types.js';
import { ED25519_KEY, sampleManifest } from './fixtures.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const image = fc.record({ sizeBytes: u32, sha256: bytes(32) });

const manifestArb: fc.Arbitrary<Manifest> = fc
  .record({
    sequenceNumber: u32,
    firmwareVersion: u32,
    vendorId: bytes(16),
    classId: bytes(16),
    newImage: image,
    payload: image,
    precursor: fc.option(image, { nil: undefined }),
    deltaFormat: fc.constantFrom(...DELTA_FORMATS),
    iv: fc.option(bytes(16), { nil: undefined }),
  })
  .map(({ precursor, deltaFormat, iv, ...rest }) => {
    const m: Manifest = { manifestVersion: 1, ...rest, payloadType: precursor ? 'delta' : 'full' };
    if (precursor) {
      m.deltaFormat = deltaFormat;
      m.precursor = precursor;
    }
    if (iv) m.encryption = { algorithm: 'aes-128-ctr', iv };
    return m;
  });

test('any manifest round-trips through compact and SUIT (property)', (t) => {
  fc.assert(
    fc.property(manifestArb, (m) => {
      t.deepEqual(decodeCompactManifest(encodeCompactManifest(m, ED25519_KEY)).manifest, m);
      t.deepEqual(decodeSuitEnvelope(encodeSuitEnvelope(m, ED25519_KEY)).manifest, m);
    }),
    { numRuns: 200 },
  );
});

function onlyFuotaErrors(decode: (b: Uint8Array) => unknown, input: Uint8Array): boolean {
  try {
    decode(input);
    return true;
  } catch (error) {
    return isFuotaError(error);
  }
}

test('decoders fail on arbitrary bytes only with FuotaErrors (property)', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (input) => {
      return (
        onlyFuotaErrors(decodePackage, input) &&
        onlyFuotaErrors(decodeSuitEnvelope, input) &&
        onlyFuotaErrors(decodeCompactManifest, input) &&
        onlyFuotaErrors(decodeSigningToolTrailer, input)
      );
    }),
    { numRuns: 2000 },
  );
  t.pass();
});

test('a SUIT envelope with any byte replaced never decodes to a validly signed, different manifest (property)', (t) => {
  const envelope = encodeSuitEnvelope(sampleManifest(), ED25519_KEY);
  const key = verifyingKeyOf(ED25519_KEY);
  fc.assert(
    fc.property(fc.nat({ max: envelope.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
      const tampered = envelope.slice();
      tampered[at] = tampered[at]! ^ xor;
      try {
        const decoded = decodeSuitEnvelope(tampered);
        return !verifyMessage(key, decoded.signedBytes, decoded.signature);
      } catch (error) {
        return isFuotaError(error);
      }
    }),
    { numRuns: 3000 },
  );
  t.pass();
});
