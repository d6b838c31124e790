// Which network server an adapter speaks to, for what the shared parts of the adapters
// (src/lns/*.ts) say: error codes keep the server's prefix (CHIRPSTACK_…, TTS_…), so a log line
// or a test matches the same code whichever module raised it, and messages name the server.

export interface ServerLabel {
  /** Prefix of the error codes: `${codePrefix}_GROUP_UNKNOWN`. */
  codePrefix: 'CHIRPSTACK' | 'TTS';
  /** For messages: "no txack from ChirpStack …". */
  name: 'ChirpStack' | 'The Things Stack';
}

export const CHIRPSTACK: ServerLabel = { codePrefix: 'CHIRPSTACK', name: 'ChirpStack' };
export const THE_THINGS_STACK: ServerLabel = { codePrefix: 'TTS', name: 'The Things Stack' };
