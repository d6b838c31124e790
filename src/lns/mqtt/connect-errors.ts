import { CallerError, PeerError, type FuotaError } from '../../core/errors.js';

// Turns what mqtt.js reports while connecting into a FuotaError that says what to fix. Sources:
// Node's TLS verification codes (OpenSSL X509_V_ERR_* names, nodejs.org/api/tls.html), CONNACK
// return codes of MQTT 3.1.1 (§3.2.2.3) and reason codes of MQTT 5 (§3.2.2.2).

/** Certificate verification failures: the configured CA does not vouch for the broker. */
const UNTRUSTED_CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'INVALID_CA', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** CONNACK codes that mean: fix the username or password (3.1.1: 4, 5; MQTT 5: 134, 135). */
const CREDENTIAL_CODES = new Set([4, 5, 134, 135]);

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

export type ConnectErrorCode =
  | 'MQTT_TLS_UNTRUSTED'
  | 'MQTT_TLS_FAILED'
  | 'MQTT_NOT_AUTHORIZED'
  | 'MQTT_CONNECTION_REFUSED'
  | 'MQTT_UNREACHABLE'
  | 'MQTT_CONNACK_TIMEOUT'
  | 'MQTT_CLOSED_BEFORE_CONNACK';

/** The broker URL without user info, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * The error for a connection attempt that ended before a successful CONNACK. `error` is the last
 * error mqtt.js emitted during the attempt, if any (a closed socket alone emits none).
 */
export function connectError(url: string, error: (Error & { code?: unknown }) | undefined): FuotaError {
  const at = safeUrl(url);
  const code = error?.code;
  const options = { cause: error };
  if (typeof code === 'string' && UNTRUSTED_CERTIFICATE_CODES.has(code)) {
    return new CallerError('MQTT_TLS_UNTRUSTED', `TLS: the broker's certificate is not trusted (${error?.message}; ${code}) at ${at}: expected a certificate for this host signed by the CA given in the ca option`, options);
  }
  if (typeof code === 'number') {
    const reason = error?.message.replace(/^Connection refused: /, '') ?? '';
    if (CREDENTIAL_CODES.has(code)) {
      return new CallerError('MQTT_NOT_AUTHORIZED', `MQTT broker ${at} refused the connection: ${reason} (CONNACK code ${code}): expected the username and password of an account allowed to connect`, options);
    }
    return new PeerError('MQTT_CONNECTION_REFUSED', `MQTT broker ${at} refused the connection: ${reason} (CONNACK code ${code}): expected code 0 (accepted)`, options);
  }
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new PeerError('MQTT_UNREACHABLE', `MQTT broker ${at} is unreachable: ${code === 'ECONNREFUSED' ? 'nothing is listening there' : error?.message} (${code}): expected a broker accepting connections`, options);
  }
  if (typeof code === 'string' && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.startsWith('ERR_OSSL'))) {
    return new PeerError('MQTT_TLS_FAILED', `TLS handshake with MQTT broker ${at} failed: ${error?.message} (${code})`, options);
  }
  if (error?.message === 'connack timeout') {
    return new PeerError('MQTT_CONNACK_TIMEOUT', `MQTT broker ${at} sent no CONNACK within the connect timeout: expected an MQTT broker on this port`, options);
  }
  const hint = at.startsWith('mqtts:')
    ? 'is this port a TLS listener?'
    : 'a TLS-only listener closes plain connections: use mqtts:// if this port speaks TLS';
  const seen = error === undefined ? '' : ` (${error.message}${typeof code === 'string' ? `; ${code}` : ''})`;
  return new PeerError('MQTT_CLOSED_BEFORE_CONNACK', `MQTT broker ${at}: connection closed before CONNACK${seen}: expected a CONNACK; ${hint}`, options);
}
