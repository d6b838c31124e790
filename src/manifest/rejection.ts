import { PeerError } from '../core/errors.js';

/**
 * Why a device must refuse an update package that decoded fine: each code is one check of the
 * install procedure; the comments name the RFC 9124 manifest element that enables the check.
 */
export type RejectionCode =
  | 'UPDATE_SIGNATURE_INVALID' // forged or modified manifest/image (Signature)
  | 'UPDATE_MANIFEST_DIGEST_MISMATCH' // SUIT manifest differs from the signed digest (Signature)
  | 'UPDATE_KEY_ALGORITHM_MISMATCH' // public key type differs from the manifest's algorithm
  | 'UPDATE_WRONG_VENDOR' // image for another vendor's devices (Vendor ID)
  | 'UPDATE_WRONG_CLASS' // image for another device class (Class ID)
  | 'UPDATE_SEQUENCE_NOT_NEWER' // rollback (Monotonic Sequence Number)
  | 'UPDATE_WRONG_PRECURSOR' // delta for another old image (Precursor Image Digest Condition)
  | 'UPDATE_PAYLOAD_MISMATCH' // payload size or digest differs (Payload Digests, Size)
  | 'UPDATE_DELTA_FORMAT_UNSUPPORTED' // delta in a format the device has no patcher for (Payload Format)
  | 'UPDATE_PATCH_FAILED' // patch malformed or reading past the old image
  | 'UPDATE_IMAGE_MISMATCH' // patched/decrypted image differs from the manifest
  | 'UPDATE_NO_KEY_FOR_DEVICE' // encrypted package without a wrapped key for this DevEUI
  | 'UPDATE_KEY_UNWRAP_FAILED'; // wrong device key or corrupted wrapped key (RFC 3394 §2.2.3)

export class UpdateRejectedError extends PeerError {
  constructor(code: RejectionCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
