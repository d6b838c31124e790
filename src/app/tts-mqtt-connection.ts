// A connection to TTS's MQTT server as its config says: MQTT 3.1.1, clean session (TTS keeps no
// session and has QoS 0 only: network-servers.md), user app@tenant and the API key by default.
import type { TtsMqttConfig } from '../config/load-config.js';
import { MqttConnection } from '../lns/mqtt/mqtt-connection.js';

/** `url` overrides the config's (an embedded broker of `fuota sim tts`). */
export function ttsMqttConnection(mqtt: TtsMqttConfig, clientId: string, url?: string): MqttConnection {
  return new MqttConnection({
    url: url ?? mqtt.url,
    clientId,
    clean: true,
    protocolVersion: 4,
    keepaliveS: mqtt.keepaliveS,
    username: mqtt.username,
    password: mqtt.password,
    ...(mqtt.tls ? { tls: mqtt.tls } : {}),
  });
}
