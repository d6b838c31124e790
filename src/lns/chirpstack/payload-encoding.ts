/**
 * How ChirpStack serialises integration events and commands: `[integration.mqtt] json = true`
 * (the default) gives pbjson JSON, `json = false` the Protobuf binary of integration.proto
 * (chirpstack/src/integration/mqtt.rs: `serde_json::to_vec` or `encode_to_vec`).
 */
export type PayloadEncoding = 'json' | 'protobuf';
