import { isFuotaError } from '../core/errors.js';
import type { ImageCheck, ImageVerifier } from '../sim/sim-device-config.js';
import { JOJO_DELTA } from '../manifest/jojo-delta.js';
import type { VerifyingKey } from '../manifest/keys.js';
import { decodeSignedManifest } from '../manifest/manifest-codec.js';
import { decodePackage } from '../manifest/package-format.js';
import { verifyPackage } from '../manifest/verify.js';

/**
 * What a device's bootloader does with a reassembled block: parse the package, check the
 * signature, vendor and class, the precursor (its own image), patch, and check the new image.
 * Any refusal is "corrupt or invalid signature" (TS006 UpImageStatus 1).
 */
export function packageVerifier(options: {
  verifyingKey: VerifyingKey;
  vendorId: Uint8Array;
  classId: Uint8Array;
  /** For 'rank-only' simulations, where no bytes are kept: the version a good block carries. */
  rankOnlyVersion: number;
}): ImageVerifier {
  return (block, current): ImageCheck => {
    if (block === null) return { status: 'valid', version: options.rankOnlyVersion, image: current.image };
    try {
      const pkg = decodePackage(block);
      const verified = verifyPackage(pkg, {
        verifyingKey: options.verifyingKey,
        oldImage: current.image,
        delta: JOJO_DELTA,
        expectedVendorId: options.vendorId,
        expectedClassId: options.classId,
        currentSequenceNumber: current.firmwareVersion,
      });
      const version = pkg.format === 'signing-tool' ? options.rankOnlyVersion : decodeSignedManifest(pkg.format, pkg.manifest).manifest.firmwareVersion;
      return { status: 'valid', version, image: verified.newImage };
    } catch (error) {
      if (!isFuotaError(error)) throw error;
      return { status: 'corrupt', reason: error.message };
    }
  };
}
