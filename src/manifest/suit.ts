import { cborDecode, cborEncode, expectArray, expectBytes, expectMap, expectTag, expectUint, fail, Tag } from './cbor.js';
import { sameBytes, sha256 } from './digest.js';
import type { SigningKey } from './keys.js';
import { UpdateRejectedError } from './rejection.js';
import { checkManifest, type SignedManifest } from './signed-manifest.js';
import { deltaFormatOfCode, MAX_PAYLOAD_TYPE_CODE, payloadTypeCode } from './payload-type-code.js';
import { RAW_SIGNATURE_BYTES, signMessage } from './signature.js';
import { CTR_IV_BYTES, SHA256_BYTES, UUID_BYTES, type ImageDigest, type Manifest, type SignatureAlgorithm } from './types.js';

// A SUIT envelope (draft-ietf-suit-manifest, CBOR) for our manifest model; docs/manifest-suit.md
// shows it in diagnostic notation. Authentication (the draft's authenticated manifests): SUIT_Digest (SHA-256) of the manifest
// bstr, signed with COSE_Sign1 (RFC 9052 §4.2) with a detached payload, the digest's encoding.
// Fields SUIT has no standard parameter for (payload type and digest, firmware version,
// encryption info) are custom parameters with negative keys, which the draft reserves for them.
// We parse only what we emit: after decoding, the structure is re-encoded and must match byte for
// byte, so no alternative encoding of the same content (or any other content) is accepted.

const TAG_ENVELOPE = 107; // SUIT_Envelope_Tagged
const TAG_COSE_SIGN1 = 18; // RFC 9052 §2
const ENVELOPE_AUTH = 2;
const ENVELOPE_MANIFEST = 3;
const MANIFEST_VERSION = 1;
const MANIFEST_SEQUENCE = 2;
const MANIFEST_COMMON = 3;
const MANIFEST_VALIDATE = 7;
const MANIFEST_INSTALL = 20;
const COMMON_COMPONENTS = 2;
const COMMON_SHARED_SEQUENCE = 4;
const CONDITION_VENDOR = 1;
const CONDITION_CLASS = 2;
const CONDITION_IMAGE_MATCH = 3;
const DIRECTIVE_OVERRIDE = 20;
const DIRECTIVE_FETCH = 21;
const PARAM_VENDOR = 1;
const PARAM_CLASS = 2;
const PARAM_DIGEST = 3;
const PARAM_SIZE = 14;
const PARAM_URI = 21;
/**
 * Custom (negative) parameters: [payload type, size, bstr .cbor SUIT_Digest], the payload type
 * coded as in the compact manifest (payload-type-code.ts): 0 full, 1 jojodiff,
 * 2 jojodiff-implicit-mod, 3 detools-sequential.
 */
const PARAM_PAYLOAD_INFO = -1;
/** [COSE alg A128CTR (-65534, RFC 9459), IV]. */
const PARAM_ENCRYPTION_INFO = -2;
const PARAM_FIRMWARE_VERSION = -3;
const REPORT_ALL = 15; // SUIT_Rep_Policy: send record/sysinfo on success and failure
const COSE_ALG = 1;
const COSE_ES256 = -7;
const COSE_EDDSA = -8;
const COSE_SHA256 = -16;
const COSE_A128CTR = -65534;
const COMPONENT_IMAGE = [new Uint8Array([0])];
export const SUIT_PAYLOAD_URI = '#payload';

const COSE_ALGS: Record<SignatureAlgorithm, number> = { es256: COSE_ES256, ed25519: COSE_EDDSA };

function digestBytes(sha: Uint8Array): Uint8Array {
  return cborEncode([COSE_SHA256, sha]);
}

/** The manifest bstr content (the SUIT_Manifest map), deterministic for a given manifest. */
export function encodeSuitManifest(manifest: Manifest): Uint8Array {
  checkManifest(manifest);
  const shared = [
    DIRECTIVE_OVERRIDE,
    new Map<number, unknown>([
      [PARAM_VENDOR, manifest.vendorId],
      [PARAM_CLASS, manifest.classId],
      [PARAM_DIGEST, digestBytes(manifest.newImage.sha256)],
      [PARAM_SIZE, manifest.newImage.sizeBytes],
      [PARAM_FIRMWARE_VERSION, manifest.firmwareVersion],
    ]),
    CONDITION_VENDOR, REPORT_ALL,
    CONDITION_CLASS, REPORT_ALL,
  ];
  const common = new Map<number, unknown>([
    [COMMON_COMPONENTS, [COMPONENT_IMAGE]],
    [COMMON_SHARED_SEQUENCE, cborEncode(shared)],
  ]);
  const fetchParams = new Map<number, unknown>([
    [PARAM_URI, SUIT_PAYLOAD_URI],
    [PARAM_PAYLOAD_INFO, [payloadTypeCode(manifest.deltaFormat), manifest.payload.sizeBytes, digestBytes(manifest.payload.sha256)]],
  ]);
  if (manifest.encryption) fetchParams.set(PARAM_ENCRYPTION_INFO, [COSE_A128CTR, manifest.encryption.iv]);
  const fetch = [DIRECTIVE_OVERRIDE, fetchParams, DIRECTIVE_FETCH, REPORT_ALL];
  const install = manifest.precursor
    ? [
        // RFC 9124 Precursor Image Digest Condition: the precursor digest is checked before the delta is applied.
        DIRECTIVE_OVERRIDE, imageParams(manifest.precursor), CONDITION_IMAGE_MATCH, REPORT_ALL,
        ...fetch,
        DIRECTIVE_OVERRIDE, imageParams(manifest.newImage), CONDITION_IMAGE_MATCH, REPORT_ALL,
      ]
    : [...fetch, CONDITION_IMAGE_MATCH, REPORT_ALL];
  return cborEncode(
    new Map<number, unknown>([
      [MANIFEST_VERSION, 1],
      [MANIFEST_SEQUENCE, manifest.sequenceNumber],
      [MANIFEST_COMMON, cborEncode(common)],
      [MANIFEST_VALIDATE, cborEncode([CONDITION_IMAGE_MATCH, REPORT_ALL])],
      [MANIFEST_INSTALL, cborEncode(install)],
    ]),
  );
}

function imageParams(image: ImageDigest): Map<number, unknown> {
  return new Map<number, unknown>([[PARAM_DIGEST, digestBytes(image.sha256)], [PARAM_SIZE, image.sizeBytes]]);
}

/** COSE Sig_structure for COSE_Sign1 with detached payload (RFC 9052 §4.4). */
function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return cborEncode(['Signature1', protectedBytes, new Uint8Array(0), payload]);
}

function assembleEnvelope(manifestBytes: Uint8Array, algorithm: SignatureAlgorithm, signature: Uint8Array, digest: Uint8Array): Uint8Array {
  const protectedBytes = cborEncode(new Map([[COSE_ALG, COSE_ALGS[algorithm]]]));
  const sign1 = new Tag([protectedBytes, new Map(), null, signature], TAG_COSE_SIGN1);
  const auth = cborEncode([digestBytes(digest), cborEncode(sign1)]);
  return cborEncode(new Tag(new Map<number, unknown>([[ENVELOPE_AUTH, auth], [ENVELOPE_MANIFEST, manifestBytes]]), TAG_ENVELOPE));
}

export function encodeSuitEnvelope(manifest: Manifest, key: SigningKey): Uint8Array {
  const manifestBytes = encodeSuitManifest(manifest);
  const digest = sha256(manifestBytes);
  const protectedBytes = cborEncode(new Map([[COSE_ALG, COSE_ALGS[key.algorithm]]]));
  const signature = signMessage(key, sigStructure(protectedBytes, digestBytes(digest)), 'raw');
  return assembleEnvelope(manifestBytes, key.algorithm, signature, digest);
}

/**
 * Decodes an envelope we produced. The SUIT_Digest must match the manifest (else
 * UPDATE_MANIFEST_DIGEST_MISMATCH); the COSE signature is returned for the caller to verify.
 */
export function decodeSuitEnvelope(bytes: Uint8Array): SignedManifest {
  const envelope = expectMap(expectTag(cborDecode(bytes, 'SUIT envelope'), TAG_ENVELOPE, 'SUIT envelope'), 'SUIT envelope', [ENVELOPE_AUTH, ENVELOPE_MANIFEST]);
  const authBytes = expectBytes(envelope.get(ENVELOPE_AUTH), 'SUIT authentication wrapper');
  const manifestBytes = expectBytes(envelope.get(ENVELOPE_MANIFEST), 'SUIT manifest');
  const auth = expectArray(cborDecode(authBytes, 'SUIT authentication wrapper'), 'SUIT authentication wrapper', 2);
  const digestItem = expectArray(cborDecode(expectBytes(auth[0], 'SUIT digest'), 'SUIT digest'), 'SUIT digest', 2);
  if (digestItem[0] !== COSE_SHA256) fail('SUIT digest algorithm', 'SHA-256 (-16)', digestItem[0]);
  const digest = expectBytes(digestItem[1], 'SUIT digest bytes', SHA256_BYTES);
  const sign1 = expectArray(expectTag(cborDecode(expectBytes(auth[1], 'COSE_Sign1'), 'COSE_Sign1'), TAG_COSE_SIGN1, 'COSE_Sign1'), 'COSE_Sign1', 4);
  const protectedMap = expectMap(cborDecode(expectBytes(sign1[0], 'COSE protected header'), 'COSE protected header'), 'COSE protected header', [COSE_ALG]);
  const coseAlg = protectedMap.get(COSE_ALG);
  const algorithm = (Object.keys(COSE_ALGS) as SignatureAlgorithm[]).find((a) => COSE_ALGS[a] === coseAlg);
  if (!algorithm) fail('COSE protected header alg', 'ES256 (-7) or EdDSA (-8)', coseAlg);
  const signature = expectBytes(sign1[3], 'COSE signature', RAW_SIGNATURE_BYTES);
  const manifest = parseManifest(manifestBytes);

  if (!sameBytes(encodeSuitManifest(manifest), manifestBytes)) {
    fail('SUIT manifest', 'the canonical encoding fuota produces', 'a different encoding');
  }
  if (!sameBytes(assembleEnvelope(manifestBytes, algorithm, signature, digest), bytes)) {
    fail('SUIT envelope', 'the canonical encoding fuota produces', 'a different encoding');
  }
  if (!sameBytes(sha256(manifestBytes), digest)) {
    throw new UpdateRejectedError('UPDATE_MANIFEST_DIGEST_MISMATCH', 'SUIT manifest does not match the digest in its authentication wrapper');
  }
  const protectedBytes = expectBytes(sign1[0], 'COSE protected header');
  return { format: 'suit', algorithm, manifest, signedBytes: sigStructure(protectedBytes, digestBytes(digest)), signature };
}

function parseManifest(bytes: Uint8Array): Manifest {
  const m = expectMap(cborDecode(bytes, 'SUIT manifest'), 'SUIT manifest', [MANIFEST_VERSION, MANIFEST_SEQUENCE, MANIFEST_COMMON, MANIFEST_VALIDATE, MANIFEST_INSTALL]);
  if (m.get(MANIFEST_VERSION) !== 1) fail('SUIT manifest version', '1', m.get(MANIFEST_VERSION));
  const sequenceNumber = expectUint(m.get(MANIFEST_SEQUENCE), 'SUIT manifest sequence number');
  const common = expectMap(cborDecode(expectBytes(m.get(MANIFEST_COMMON), 'SUIT common'), 'SUIT common'), 'SUIT common', [COMMON_COMPONENTS, COMMON_SHARED_SEQUENCE]);
  const shared = commandPairs(common.get(COMMON_SHARED_SEQUENCE), 'SUIT shared sequence');
  const sharedParams = overrideAt(shared, 0, 'SUIT shared sequence', [PARAM_VENDOR, PARAM_CLASS, PARAM_DIGEST, PARAM_SIZE, PARAM_FIRMWARE_VERSION]);
  const install = commandPairs(m.get(MANIFEST_INSTALL), 'SUIT install');
  const isDelta = install.length > 0 && install[0]![0] === DIRECTIVE_OVERRIDE && !(install[0]![1] instanceof Map && install[0]![1].has(PARAM_URI));
  const fetchIndex = isDelta ? 2 : 0;
  const fetchParams = overrideAt(install, fetchIndex, 'SUIT install fetch', [PARAM_URI, PARAM_PAYLOAD_INFO, PARAM_ENCRYPTION_INFO]);
  const info = expectArray(fetchParams.get(PARAM_PAYLOAD_INFO), 'SUIT payload info', 3);
  const deltaFormat = deltaFormatOfCode(expectUint(info[0], 'SUIT payload type', MAX_PAYLOAD_TYPE_CODE));
  const payloadType = deltaFormat ? 'delta' : 'full';
  if ((payloadType === 'delta') !== isDelta) fail('SUIT payload type', 'consistent with the install sequence', payloadType);
  const manifest: Manifest = {
    manifestVersion: 1,
    sequenceNumber,
    vendorId: expectBytes(sharedParams.get(PARAM_VENDOR), 'SUIT vendor ID', UUID_BYTES),
    classId: expectBytes(sharedParams.get(PARAM_CLASS), 'SUIT class ID', UUID_BYTES),
    firmwareVersion: expectUint(sharedParams.get(PARAM_FIRMWARE_VERSION), 'SUIT firmware version'),
    newImage: imageFrom(sharedParams, 'SUIT image'),
    payloadType,
    payload: { sizeBytes: expectUint(info[1], 'SUIT payload size'), sha256: digestFrom(info[2], 'SUIT payload digest') },
  };
  if (deltaFormat) manifest.deltaFormat = deltaFormat;
  if (isDelta) manifest.precursor = imageFrom(overrideAt(install, 0, 'SUIT install precursor', [PARAM_DIGEST, PARAM_SIZE]), 'SUIT precursor');
  const encryption = fetchParams.get(PARAM_ENCRYPTION_INFO);
  if (encryption !== undefined) {
    const [alg, iv] = expectArray(encryption, 'SUIT encryption info', 2);
    if (alg !== COSE_A128CTR) fail('SUIT encryption algorithm', 'A128CTR (-65534)', alg);
    manifest.encryption = { algorithm: 'aes-128-ctr', iv: expectBytes(iv, 'SUIT encryption IV', CTR_IV_BYTES) };
  }
  return manifest;
}

/** A command sequence (bstr .cbor [+ command, argument]) as pairs. */
function commandPairs(value: unknown, context: string): Array<[unknown, unknown]> {
  const items = expectArray(cborDecode(expectBytes(value, context), context), context);
  if (items.length % 2 !== 0) fail(context, 'command/argument pairs', `${items.length} items`);
  const pairs: Array<[unknown, unknown]> = [];
  for (let i = 0; i < items.length; i += 2) pairs.push([items[i], items[i + 1]]);
  return pairs;
}

function overrideAt(pairs: Array<[unknown, unknown]>, index: number, context: string, keys: readonly number[]): Map<number, unknown> {
  const pair = pairs[index];
  if (!pair || pair[0] !== DIRECTIVE_OVERRIDE) fail(context, 'directive-override-parameters (20)', pair?.[0]);
  return expectMap(pair[1], context, keys);
}

function imageFrom(params: Map<number, unknown>, context: string): ImageDigest {
  return { sizeBytes: expectUint(params.get(PARAM_SIZE), `${context} size`), sha256: digestFrom(params.get(PARAM_DIGEST), `${context} digest`) };
}

function digestFrom(value: unknown, context: string): Uint8Array {
  const item = expectArray(cborDecode(expectBytes(value, context), context), context, 2);
  if (item[0] !== COSE_SHA256) fail(`${context} algorithm`, 'SHA-256 (-16)', item[0]);
  return expectBytes(item[1], context, SHA256_BYTES);
}
