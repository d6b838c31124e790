import jspb from 'google-protobuf';

// google-protobuf 3.21.4's BinaryDecoder.readString reads the number of bytes a field claims
// without checking it against the buffer (readBytes does: "Invalid byte length!"). A 6-byte MQTT
// event `0a ff ff ff ff 0f` (field 1, a string of 4 294 967 295 bytes) made the decoder spin for
// minutes on bytes that are not there, and every event after it waited (issue #14: found by the
// 1 000-garbage-message test). Imported once, before any Protobuf is read: a string or a nested
// message longer than what is left of the buffer is refused as readBytes refuses a long byte
// field, so the message is dropped as not Protobuf (CHIRPSTACK_PROTOBUF_INVALID).

interface DecoderInternals {
  readString(length: number): string;
  setEnd(end: number): void;
  getCursor(): number;
  getBuffer(): Uint8Array;
}

type Prototype = DecoderInternals & Record<string, unknown>;

const decoder = (jspb as unknown as { jspb: { BinaryDecoder: { prototype: Prototype } } }).jspb.BinaryDecoder.prototype;
const readString = decoder.readString;
function guardedReadString(this: DecoderInternals, length: number): string {
  const left = this.getBuffer().length - this.getCursor();
  if (!(length >= 0) || length > left) throw new Error(`a string field of ${length} bytes, longer than the ${left} bytes left`);
  return readString.call(this, length);
}
// A nested message claiming more bytes than there are: readMessage moves the decoder's end past
// the buffer, and the reader then loops on bytes that are not there. Refused the same way.
const setEnd = decoder.setEnd;
function guardedSetEnd(this: DecoderInternals, end: number): void {
  const size = this.getBuffer().length;
  if (!(end <= size)) throw new Error(`a nested message ending at byte ${end}, past the ${size} bytes of the message`);
  setEnd.call(this, end);
}
// The minified build calls these under internal names too: every alias is replaced.
for (const name of Object.getOwnPropertyNames(decoder)) {
  if (decoder[name] === readString) decoder[name] = guardedReadString;
  else if (decoder[name] === setEnd) decoder[name] = guardedSetEnd;
}
