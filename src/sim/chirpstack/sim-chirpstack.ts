import type { MqttConnection } from '../../lns/mqtt/mqtt-connection.js';
import type { RealTimeDriver } from '../real-time-driver.js';
import type { SimDeviceKeys } from './sim-chirpstack-device-service.js';
import type { SimChirpstackEncoding } from './sim-chirpstack-events.js';
import { SimChirpstackGrpc } from './sim-chirpstack-grpc.js';
import { SimChirpstackMqtt } from './sim-chirpstack-mqtt.js';
import type { SimTopicTemplates } from './sim-chirpstack-topics.js';
import type { SimClock } from '../sim-clock.js';
import type { SimNetworkServer } from '../sim-network-server.js';

// A whole simulated ChirpStack v4 in real time, as `fuota serve` sees one: the gRPC API and the
// MQTT integration over one SimNetworkServer whose clock a RealTimeDriver runs (the driver is
// the caller's: started before, stopped after). Used by `fuota sim chirpstack` and the tests
// that run `fuota serve` against it.

export interface SimChirpstackOptions {
  network: SimNetworkServer;
  clock: SimClock;
  driver: RealTimeDriver;
  /** A connection to the broker, not yet connected. */
  mqtt: MqttConnection;
  applicationId: string;
  apiToken: string;
  /** Gateway ids (EUI-64); the first is named in uplinks and txacks. */
  gateways: readonly string[];
  encoding: SimChirpstackEncoding;
  topics?: SimTopicTemplates;
  /** gRPC host:port; default 127.0.0.1 on a free port. */
  grpcBindAddress?: string;
  /** GetKeys answers by DevEUI. */
  deviceKeys?: ReadonlyMap<string, SimDeviceKeys>;
  /** ChirpStack's multicast_class_c_margin; default 5 s. */
  multicastClassCMarginMs?: number;
  onError?: (error: unknown, context: string) => void;
}

export interface SimChirpstack {
  grpc: SimChirpstackGrpc;
  mqtt: SimChirpstackMqtt;
  /** host:port of the gRPC API. */
  grpcAddress: string;
  stop(): Promise<void>;
}

export async function startSimChirpstack(options: SimChirpstackOptions): Promise<SimChirpstack> {
  const grpc = await SimChirpstackGrpc.start({
    network: options.network,
    clock: options.clock,
    driver: options.driver,
    apiToken: options.apiToken,
    gateways: options.gateways,
    applicationIds: [options.applicationId],
    ...(options.multicastClassCMarginMs === undefined ? {} : { multicastClassCMarginMs: options.multicastClassCMarginMs }),
    ...(options.deviceKeys ? { deviceKeys: options.deviceKeys } : {}),
    ...(options.grpcBindAddress === undefined ? {} : { bindAddress: options.grpcBindAddress }),
  });
  let mqtt: SimChirpstackMqtt;
  try {
    mqtt = await SimChirpstackMqtt.start({
      network: options.network,
      mqtt: options.mqtt,
      applicationId: options.applicationId,
      encoding: options.encoding,
      driver: options.driver,
      ...(options.topics ? { topics: options.topics } : {}),
      ...(options.gateways[0] === undefined ? {} : { gatewayId: options.gateways[0] }),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  } catch (error) {
    await grpc.stop();
    await options.mqtt.close().catch(() => undefined);
    throw error;
  }
  return {
    grpc,
    mqtt,
    grpcAddress: grpc.address,
    stop: async () => {
      await mqtt.stop();
      await grpc.stop();
    },
  };
}
