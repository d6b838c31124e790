import type { ExecutionContext } from 'ava';
import type { Uplink } from '../../../src/campaign/ports.js';
import { MemoryGroupRegistry, type GroupRegistry } from '../../../src/lns/group-registry.js';
import type { MessageHandler, MqttConnection } from '../../../src/lns/mqtt/mqtt-connection.js';
import type { TtsDownlink } from '../../../src/lns/tts/tts-downlink-push.js';
import type { TtsUplinkEvent } from '../../../src/lns/tts/tts-events.js';
import type { TtsEndDeviceRegistration, TtsPackageAssociation, TtsQueuedDownlink } from '../../../src/lns/tts/tts-http-client.js';
import { ttsHttpError } from '../../../src/lns/tts/tts-http-error.js';
import { TtsNetworkServer, type TtsHttpApi, type TtsNetworkServerOptions } from '../../../src/lns/tts/tts-network-server.js';
import type { DutyCycleOverflow } from '../../../src/lns/duty-cycle-overflow.js';
import { SimClock } from '../../../src/sim/sim-clock.js';

// Fakes for the TTS adapter's tests: an MQTT connection that records what is published and lets
// the test deliver TTS events (JSON as lorawan-stack's ApplicationUp, network-servers.md), and an
// HTTP API that keeps end devices and queues the way The Things Stack answers (404 →
// TTS_NOT_FOUND through the real ttsHttpError).

export const APP = 'fuota-app';
export const T0 = Date.UTC(2026, 11, 6, 12, 0, 0);

export class FakeMqtt {
  handler: MessageHandler | undefined;
  readonly subscriptions: Array<{ filter: string; qos: number }> = [];
  readonly published: Array<{ topic: string; payload: string; qos: number | undefined }> = [];
  connected = false;
  closed = false;

  asConnection(): MqttConnection {
    return {
      onMessage: (handler: MessageHandler) => {
        this.handler = handler;
        return () => {};
      },
      connect: async () => {
        this.connected = true;
        return { sessionPresent: false };
      },
      subscribe: async (filter: string, qos?: number) => void this.subscriptions.push({ filter, qos: qos ?? 1 }),
      publish: async (topic: string, payload: Uint8Array | string, options?: { qos?: number }) =>
        void this.published.push({ topic, payload: typeof payload === 'string' ? payload : Buffer.from(payload).toString(), qos: options?.qos }),
      close: async () => void (this.closed = true),
    } as unknown as MqttConnection;
  }

  async deliver(deviceId: string, event: string, body: Record<string, unknown>): Promise<void> {
    await this.handler!({ topic: `v3/${APP}/devices/${deviceId}/${event}`, payload: Buffer.from(JSON.stringify(body)), qos: 0, retain: false, duplicate: false });
  }
}

export interface FakeDevice {
  registration?: TtsEndDeviceRegistration;
  devEui?: string;
  queue: TtsQueuedDownlink[];
}

export class FakeTtsHttp {
  readonly devices = new Map<string, FakeDevice>();
  readonly calls: string[] = [];
  readonly pushes: Array<{ deviceId: string; downlink: TtsDownlink; atMs: number }> = [];
  associations: TtsPackageAssociation[] = [];
  stored: TtsUplinkEvent[] = [];
  storageFails = false;
  /** The queue keeps what is pushed (a gateway never sends it) until drained by the test. */
  failPushes = 0;
  /** GET …/down answers 503 this many more times. */
  failQueueListings = 0;

  constructor(private readonly clock: SimClock) {}

  api(): TtsHttpApi {
    const notFound = (request: string) => ttsHttpError(request, 404, JSON.stringify({ code: 5, message: 'error:pkg/registry:end_device_not_found (end device not found)' }));
    return {
      createEndDevice: async (_app, registration) => {
        this.calls.push(`create ${registration.deviceId}`);
        this.devices.set(registration.deviceId, { registration, queue: [] });
      },
      getEndDevice: async (app, deviceId) => {
        this.calls.push(`get ${deviceId}`);
        const device = this.devices.get(deviceId);
        if (device === undefined) throw notFound(`GET /applications/${app}/devices/${deviceId}`);
        return { deviceId, ...(device.devEui ? { devEui: device.devEui } : {}), ...(device.registration ? { multicast: device.registration.multicast } : {}) };
      },
      listEndDevices: async () => {
        this.calls.push('list');
        return [...this.devices].filter(([, d]) => d.devEui !== undefined).map(([deviceId, d]) => ({ deviceId, devEui: d.devEui! }));
      },
      deleteEndDevice: async (_app, deviceId) => {
        this.calls.push(`delete ${deviceId}`);
        this.devices.delete(deviceId);
      },
      pushDownlinks: async (app, deviceId, downlinks) => {
        this.calls.push(`push ${deviceId}`);
        if (this.failPushes > 0) {
          this.failPushes -= 1;
          throw ttsHttpError(`POST /as/applications/${app}/devices/${deviceId}/down/push`, 503, '{"code":14,"message":"unavailable"}');
        }
        const device = this.devices.get(deviceId);
        if (device === undefined) throw notFound(`POST /as/applications/${app}/devices/${deviceId}/down/push`);
        for (const downlink of downlinks) {
          this.pushes.push({ deviceId, downlink, atMs: this.clock.now() });
          device.queue.push({ fPort: downlink.fPort, correlationIds: downlink.correlationIds, fCnt: device.queue.length });
        }
      },
      replaceDownlinks: async () => {},
      listDownlinkQueue: async (app, deviceId) => {
        this.calls.push(`queue ${deviceId}`);
        if (this.failQueueListings > 0) {
          this.failQueueListings -= 1;
          throw ttsHttpError(`GET /as/applications/${app}/devices/${deviceId}/down`, 503, '{"code":14,"message":"unavailable"}');
        }
        return [...(this.devices.get(deviceId)?.queue ?? [])];
      },
      packageAssociations: async () => this.associations,
      storageUplinks: async (_app, afterMs) => {
        if (this.storageFails) throw ttsHttpError('GET /as/applications/fuota-app/packages/storage/uplink_message', 503, '{"code":14,"message":"unavailable"}');
        return this.stored.filter((u) => u.receivedAtMs > afterMs);
      },
    } as TtsHttpApi;
  }
}

export interface World {
  clock: SimClock;
  mqtt: FakeMqtt;
  http: FakeTtsHttp;
  registry: GroupRegistry;
  network: TtsNetworkServer;
  uplinks: Uplink[];
  failed: Array<{ devEui: string; reason: string }>;
  overflows: DutyCycleOverflow[];
  warnings: string[];
  errors: Array<{ code: string; context: string; message: string }>;
  deleted: string[];
  settle: () => Promise<void>;
}

export function world(t: ExecutionContext, overrides: Partial<TtsNetworkServerOptions> = {}, shared?: { clock?: SimClock; http?: FakeTtsHttp; registry?: GroupRegistry }): World {
  const clock = shared?.clock ?? new SimClock(T0);
  const mqtt = new FakeMqtt();
  const http = shared?.http ?? new FakeTtsHttp(clock);
  const registry = shared?.registry ?? new MemoryGroupRegistry();
  const w: Omit<World, 'network'> = {
    clock, mqtt, http, registry, uplinks: [], failed: [], overflows: [], warnings: [], errors: [], deleted: [],
    settle: () => new Promise<void>((resolve) => setImmediate(resolve)),
  };
  const network = new TtsNetworkServer({
    mqtt: mqtt.asConnection(),
    http: http.api(),
    applicationId: APP,
    frequencyPlanId: 'EU_863_870_TTN',
    registry,
    clock,
    onUplink: (uplink) => void w.uplinks.push(uplink),
    onDownlinkFailed: (devEui, reason) => void w.failed.push({ devEui, reason }),
    onDutyCycleOverflow: (overflow) => void w.overflows.push(overflow),
    onWarning: (message) => void w.warnings.push(message),
    onError: (error, context) => void w.errors.push({ code: (error as { code?: string }).code ?? 'RAW', context, message: error instanceof Error ? error.message : String(error) }),
    onGroupDeleted: (name) => void w.deleted.push(name),
    ...overrides,
  });
  t.teardown(() => network.close());
  return { ...w, network };
}

/** An `up` event as TTS publishes it (network-servers.md, TTS section: Uplink JSON). */
export function upEvent(deviceId: string, devEui: string, options: { fPort?: number; fCnt?: number; payloadHex?: string; receivedAtMs: number; gateways?: string[] }): Record<string, unknown> {
  return {
    end_device_ids: { device_id: deviceId, application_ids: { application_id: APP }, dev_eui: devEui.toUpperCase() },
    correlation_ids: ['as:up:01H0000000000000000000000'],
    received_at: new Date(options.receivedAtMs).toISOString(),
    uplink_message: {
      ...(options.fPort === undefined ? {} : { f_port: options.fPort }),
      f_cnt: options.fCnt ?? 1,
      ...(options.payloadHex === undefined ? {} : { frm_payload: Buffer.from(options.payloadHex, 'hex').toString('base64') }),
      rx_metadata: (options.gateways ?? ['gtw-a']).map((gatewayId) => ({ gateway_ids: { gateway_id: gatewayId }, rssi: -80, snr: 7 })),
    },
  };
}

/** down/sent, down/ack…: the downlink's correlation ids come back (api/messages.proto ApplicationDownlink). */
export function downEvent(deviceId: string, field: 'downlink_sent' | 'downlink_ack' | 'downlink_nack' | 'downlink_queued', correlationIds: string[]): Record<string, unknown> {
  return {
    end_device_ids: { device_id: deviceId, application_ids: { application_id: APP } },
    correlation_ids: ['as:downlink:01H0000000000000000000001'],
    [field]: { f_port: 201, frm_payload: 'AQI=', correlation_ids: correlationIds },
  };
}

/** down/failed with the Gateway Server's duty-cycle refusal as cause (sub_band.go errDutyCycle). */
export function failedEvent(deviceId: string, correlationIds: string[], error: Record<string, unknown>, gatewayIds: string[] = []): Record<string, unknown> {
  return {
    end_device_ids: { device_id: deviceId, application_ids: { application_id: APP } },
    correlation_ids: ['as:downlink:01H0000000000000000000002'],
    downlink_failed: {
      downlink: { f_port: 201, frm_payload: 'AQI=', correlation_ids: correlationIds, ...(gatewayIds.length > 0 ? { class_b_c: { gateways: gatewayIds.map((id) => ({ gateway_ids: { gateway_id: id } })) } } : {}) },
      error,
    },
  };
}

export const DUTY_CYCLE_ERROR = {
  namespace: 'pkg/networkserver',
  name: 'schedule',
  message_format: 'failed to schedule',
  code: 8,
  cause: { namespace: 'pkg/gatewayserver/scheduling', name: 'duty_cycle', message_format: 'duty cycle utilization of sub-band exceeded', code: 8 },
};
