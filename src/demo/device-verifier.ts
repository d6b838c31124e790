import { isFuotaError } from '../core/errors.js';
import type { ImageCheck, ImageVerifier } from '../sim/sim-device-config.js';
import { DEFAULT_DELTA_CAPABILITY, type DeltaCapability } from '../manifest/delta-capability.js';
import { appliersFor } from '../manifest/delta-codecs.js';
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
  /** The delta formats the device's firmware applies (a device profile's `delta`); default JojoDiff, janpatch legacy. */
  delta?: DeltaCapability;
}): ImageVerifier {
  // The patchers the device has, by the format the manifest names (detools streamed as on a device).
  const deltas = appliersFor(options.delta ?? DEFAULT_DELTA_CAPABILITY);
  return (block, current): ImageCheck => {
    if (block === null) return { status: 'valid', version: options.rankOnlyVersion, image: current.image };
    try {
      const pkg = decodePackage(block);
      const verified = verifyPackage(pkg, {
        verifyingKey: options.verifyingKey,
        oldImage: current.image,
        deltas,
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
