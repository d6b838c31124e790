import { createHash } from 'node:crypto';
import { TTS_MAX_CORRELATION_ID_LENGTH } from './tts-downlink-push.js';

// Our downlinks carry `fuota:<command id>` in correlation_ids: The Things Stack returns a
// downlink's correlation ids in each of its events (down/queued, sent, ack, nack, failed;
// lorawan-stack api/messages.proto ApplicationDownlink), which is how a down/sent is matched to
// the command. Ids are at most 100 characters: a longer command id is replaced by a hash of it.

const PREFIX = 'fuota:';

export function correlationIdOf(commandId: string): string {
  const plain = `${PREFIX}${commandId}`;
  if (plain.length <= TTS_MAX_CORRELATION_ID_LENGTH) return plain;
  return `${PREFIX}sha256:${createHash('sha256').update(commandId, 'utf8').digest('hex')}`;
}

/** A correlation id we gave a downlink (TTS adds its own: `as:downlink:…`, `ns:…`). */
export function isOurs(correlationId: string): boolean {
  return correlationId.startsWith(PREFIX);
}
