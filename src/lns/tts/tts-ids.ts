import { createHash } from 'node:crypto';
import { CallerError } from '../../core/errors.js';
import { parseEui64 } from '../../core/eui.js';

// Identifiers of The Things Stack. Application, device, gateway and tenant ids all follow one
// rule (lorawan-stack api/identifiers.proto, `validate.rules` of every *_id): lower-case letters
// and digits, single "-" between them, at least 3 and at most 36 characters.

export const TTS_ID_PATTERN = /^[a-z0-9](?:[-]?[a-z0-9]){2,}$/;
export const TTS_ID_MAX_LENGTH = 36;

export function isTtsId(text: string): boolean {
  return text.length <= TTS_ID_MAX_LENGTH && TTS_ID_PATTERN.test(text);
}

/** Returns `id` when it is a valid TTS id; otherwise a CallerError TTS_ID_INVALID naming `field`. */
export function checkTtsId(id: string, field: string): string {
  if (typeof id !== 'string' || !isTtsId(id)) {
    throw new CallerError(
      'TTS_ID_INVALID',
      `${field}: expected a The Things Stack id (3-36 characters: a-z, 0-9 and single "-" between them), got ${JSON.stringify(id)}`,
    );
  }
  return id;
}

/**
 * The application part of MQTT topics and the MQTT user name: `app@tenant` on The Things Stack
 * Cloud and Enterprise (multi-tenant), plain `app` on open-source deployments
 * (../shared/reference/network-servers.md, TTS section).
 */
export function ttsApplicationTopicId(applicationId: string, tenantId?: string): string {
  checkTtsId(applicationId, 'applicationId');
  if (tenantId === undefined || tenantId === '') return applicationId;
  return `${applicationId}@${checkTtsId(tenantId, 'tenantId')}`;
}

/** `eui-<16 lower-case hex>`: the id the TTS Console proposes for a device. */
export function defaultDeviceIdOf(devEui: string): string {
  return `eui-${parseEui64(devEui, 'devEui')}`;
}

const MULTICAST_PREFIX = 'fuota-mc-';
const HASH_DIGITS = 8;
/** `-w<wave>-f<fragIndex>` at the end of our group names: kept when a long name is shortened. */
const GROUP_TAIL = /-w\d+-f\d+$/;

/**
 * A valid TTS device id for one of our multicast groups (`<campaignId>-w<wave>-f<fragIndex>`).
 * Campaign ids may hold "_", ".", upper case and be long: we lower-case, turn other characters
 * into "-", collapse runs, and whenever that lost information or the id would exceed 36
 * characters we append 8 hex digits of the name's SHA-256, so that distinct names stay distinct.
 */
export function multicastDeviceIdOf(groupName: string): string {
  if (typeof groupName !== 'string' || groupName.length === 0) {
    throw new CallerError('TTS_ID_INVALID', `multicast group name: expected a non-empty string, got ${JSON.stringify(groupName)}`);
  }
  const slug = groupName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const plain = `${MULTICAST_PREFIX}${slug}`;
  if (slug === groupName && isTtsId(plain)) return plain;

  const hash = createHash('sha256').update(groupName, 'utf8').digest('hex').slice(0, HASH_DIGITS);
  const room = TTS_ID_MAX_LENGTH - MULTICAST_PREFIX.length - HASH_DIGITS - 1;
  let head = slug;
  if (head.length > room) {
    const tail = GROUP_TAIL.exec(head)?.[0] ?? '';
    head = tail.length < room - 1 ? head.slice(0, room - tail.length) + tail : head.slice(0, room);
  }
  head = head.replace(/-+/g, '-').replace(/^-+|-+$/g, '');
  return head === '' ? `${MULTICAST_PREFIX}${hash}` : `${MULTICAST_PREFIX}${head}-${hash}`;
}
