import type { CampaignStore } from '../campaign/ports.js';
import { CallerError } from '../core/errors.js';
import { bytesToHex } from '../core/hex.js';
import { sha256 } from '../manifest/digest.js';
import { decodeSignedManifest } from '../manifest/manifest-codec.js';
import { decodePackage } from '../manifest/package-format.js';
import { decodeSigningToolTrailer } from '../manifest/signing-tool-trailer.js';
import { uuidToString } from '../manifest/uuid5.js';
import type { AuthenticPackage } from './package-authentication.js';

// Anti-rollback at the server (RFC 9124 Monotonic Sequence Number): a package must be newer
// than the last one accepted for its vendor and class. "Accepted" = a campaign was created with
// it, so the record is the campaign store itself (durable, and nothing is recorded for a dry run
// or a refusal). The same package may be sent again (a retry campaign): an equal sequence number
// passes when the manifest is the very same one.

export interface AcceptedPackage {
  campaignId: string;
  sequenceNumber: number;
  manifestSha256: string;
}

/** The last package accepted for a vendor/class pair, if any. */
export interface AcceptedSequences {
  last(vendorId: Uint8Array, classId: Uint8Array): Promise<AcceptedPackage | undefined>;
}

type Facts = { vendorId: string; classId: string } & AcceptedPackage;

/** Reads each stored campaign's package once (campaign blocks never change), then answers from memory. */
export class StoredSequences implements AcceptedSequences {
  private readonly seen = new Map<string, Facts | null>();

  constructor(
    private readonly store: Pick<CampaignStore, 'list' | 'load'>,
    /** Packages are re-read without signature checks: they were authenticated when admitted. */
    private readonly read: (block: Uint8Array) => Pick<AuthenticPackage, 'vendorId' | 'classId' | 'sequenceNumber' | 'manifestSha256'> | undefined = readFacts,
  ) {}

  async last(vendorId: Uint8Array, classId: Uint8Array): Promise<AcceptedPackage | undefined> {
    for (const { id } of await this.store.list()) {
      if (this.seen.has(id)) continue;
      const stored = await this.store.load(id);
      const facts = stored ? this.read(stored.block) : undefined;
      this.seen.set(id, facts ? { campaignId: id, vendorId: bytesToHex(facts.vendorId), classId: bytesToHex(facts.classId), sequenceNumber: facts.sequenceNumber, manifestSha256: facts.manifestSha256 } : null);
    }
    const [vendor, klass] = [bytesToHex(vendorId), bytesToHex(classId)];
    let best: AcceptedPackage | undefined;
    for (const facts of this.seen.values()) {
      if (facts && facts.vendorId === vendor && facts.classId === klass && (!best || facts.sequenceNumber > best.sequenceNumber)) best = facts;
    }
    return best;
  }
}

/** The package's facts, unverified (a block stored before admission existed may not decode: skipped). */
function readFacts(block: Uint8Array) {
  try {
    const pkg = decodePackage(block);
    const manifestSha256 = bytesToHex(sha256(pkg.manifest));
    if (pkg.format === 'signing-tool') {
      const t = decodeSigningToolTrailer(pkg.manifest);
      return { vendorId: t.vendorId, classId: t.classId, sequenceNumber: t.firmwareVersion, manifestSha256 };
    }
    const { manifest } = decodeSignedManifest(pkg.format, pkg.manifest);
    return { vendorId: manifest.vendorId, classId: manifest.classId, sequenceNumber: manifest.sequenceNumber, manifestSha256 };
  } catch {
    return undefined;
  }
}

/** Refuses a package not newer than the last accepted one of its vendor and class. */
export async function checkSequence(pkg: AuthenticPackage, sequences: AcceptedSequences): Promise<void> {
  const last = await sequences.last(pkg.vendorId, pkg.classId);
  if (!last) return;
  if (pkg.sequenceNumber > last.sequenceNumber) return;
  if (pkg.sequenceNumber === last.sequenceNumber && pkg.manifestSha256 === last.manifestSha256) return;
  throw new CallerError(
    'PACKAGE_SEQUENCE_NOT_NEWER',
    `package sequence number: expected more than ${last.sequenceNumber} (the last accepted for vendor ${uuidToString(pkg.vendorId)} class ${uuidToString(pkg.classId)}, campaign ${last.campaignId}), got ${pkg.sequenceNumber}`,
  );
}
