// `fuota sim … --embedded-broker`: aedes runs on the config's MQTT URL, so that URL must be one
// it can serve (plain TCP on a local port, MQTT 3.1.1).
import { CallerError } from '../core/errors.js';

export function embeddedBrokerUrl(mqtt: { url: string; protocolVersion?: string; tls?: unknown }): URL {
  const url = new URL(mqtt.url);
  if (mqtt.protocolVersion !== undefined && mqtt.protocolVersion !== '3.1.1') throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.mqtt.protocolVersion: expected "3.1.1" with --embedded-broker (aedes speaks MQTT 3.1.1 only), got ${mqtt.protocolVersion}`);
  if (url.protocol !== 'mqtt:' || mqtt.tls) throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.mqtt.url: expected mqtt:// without tls with --embedded-broker (plain TCP), got ${url.protocol}//`);
  if (!['localhost', '127.0.0.1'].includes(url.hostname) || url.port === '') throw new CallerError('SIM_CONFIG_UNSUPPORTED', `networkServer.mqtt.url: expected mqtt://127.0.0.1:PORT or mqtt://localhost:PORT with --embedded-broker, got ${mqtt.url}`);
  return url;
}
