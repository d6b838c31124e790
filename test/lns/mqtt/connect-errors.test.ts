import test from 'ava';
import { CallerError, PeerError } from '../../../src/core/errors.js';
import { backoffDelayMs } from '../../../src/lns/mqtt/backoff.js';
import { connectError, safeUrl } from '../../../src/lns/mqtt/connect-errors.js';
import { MqttConnection } from '../../../src/lns/mqtt/mqtt-connection.js';

// CONNACK codes: MQTT 3.1.1 §3.2.2.3 (4 bad user name or password, 5 not authorized),
// MQTT 5 §3.2.2.2 (134, 135). mosquitto 2.0 answers 5 / 135 to a wrong password, so the other
// two are covered here.

function withCode(message: string, code: string | number): Error & { code: string | number } {
  return Object.assign(new Error(message), { code });
}

const URL = 'mqtts://user:secret@broker.example:8883';

const cases: Array<[string, Error | undefined, typeof CallerError | typeof PeerError, string, RegExp]> = [
  ['3.1.1 bad user name or password', withCode('Connection refused: Bad username or password', 4), CallerError, 'MQTT_NOT_AUTHORIZED', /refused the connection: Bad username or password \(CONNACK code 4\)/],
  ['MQTT 5 bad user name or password', withCode('Connection refused: Bad User Name or Password', 134), CallerError, 'MQTT_NOT_AUTHORIZED', /\(CONNACK code 134\): expected the username and password/],
  ['MQTT 5 server busy', withCode('Connection refused: Server busy', 137), PeerError, 'MQTT_CONNECTION_REFUSED', /Server busy \(CONNACK code 137\): expected code 0/],
  ['3.1.1 identifier rejected', withCode('Connection refused: Identifier rejected', 2), PeerError, 'MQTT_CONNECTION_REFUSED', /Identifier rejected/],
  ['expired certificate', withCode('certificate has expired', 'CERT_HAS_EXPIRED'), CallerError, 'MQTT_TLS_UNTRUSTED', /^TLS: the broker's certificate is not trusted \(certificate has expired; CERT_HAS_EXPIRED\)/],
  ['wrong host name', withCode("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'), CallerError, 'MQTT_TLS_UNTRUSTED', /^TLS: the broker's certificate is not trusted/],
  ['TLS protocol failure', withCode('wrong version number', 'ERR_SSL_WRONG_VERSION_NUMBER'), PeerError, 'MQTT_TLS_FAILED', /TLS handshake with MQTT broker/],
  ['unknown host', withCode('getaddrinfo ENOTFOUND broker.example', 'ENOTFOUND'), PeerError, 'MQTT_UNREACHABLE', /is unreachable: getaddrinfo ENOTFOUND/],
  ['no CONNACK in time', new Error('connack timeout'), PeerError, 'MQTT_CONNACK_TIMEOUT', /sent no CONNACK within the connect timeout/],
  ['closed without a word', undefined, PeerError, 'MQTT_CLOSED_BEFORE_CONNACK', /connection closed before CONNACK: expected a CONNACK; is this port a TLS listener\?/],
];

for (const [name, error, type, code, message] of cases) {
  test(`connect error: ${name}`, (t) => {
    const result = connectError(URL, error);
    t.true(result instanceof type);
    t.is(result.code, code);
    t.regex(result.message, message);
    t.false(result.message.includes('secret'), 'the password never appears');
  });
}

test('safeUrl drops user info', (t) => {
  t.is(safeUrl(URL), 'mqtts://broker.example:8883');
});

test('back-off doubles from the initial delay up to the cap', (t) => {
  const options = { initialMs: 100, maxMs: 1000, factor: 2 };
  t.deepEqual([0, 1, 2, 3, 4, 5, 100].map((n) => backoffDelayMs(n, options)), [100, 200, 400, 800, 1000, 1000, 1000]);
  t.is(backoffDelayMs(0), 1000);
  t.is(backoffDelayMs(10), 30_000);
});

test('options are checked before connecting', (t) => {
  t.throws(() => new MqttConnection({ url: 'http://127.0.0.1:1883', clientId: 'x' }), { instanceOf: CallerError, code: 'MQTT_URL_INVALID', message: /expected mqtt:\/\/host:port or mqtts:\/\/host:port, got "http:\/\/127.0.0.1:1883"/ });
  t.throws(() => new MqttConnection({ url: 'mqtt://127.0.0.1:1883', clientId: '' }), { code: 'MQTT_CLIENT_ID_MISSING' });
  const idle = new MqttConnection({ url: 'mqtt://127.0.0.1:1883', clientId: 'x' });
  return t.throwsAsync(idle.publish('a', 'b'), { code: 'MQTT_NOT_CONNECTED', message: /expected a started connection, got state idle/ });
});
