import { EmbeddedBroker } from '../../../src/lns/mqtt/embedded-broker.js';
import { MqttConnection } from '../../../src/lns/mqtt/mqtt-connection.js';
import { Random } from '../../../src/sim/random.js';
import { RealTimeDriver } from '../../../src/sim/real-time-driver.js';
import { SimClock } from '../../../src/sim/sim-clock.js';
import type { SimDeviceConfig } from '../../../src/sim/sim-device-config.js';
import { SimDevice } from '../../../src/sim/sim-device.js';
import { SimNetworkServer } from '../../../src/sim/sim-network-server.js';
import { startSimTts, type SimTts, type SimTtsOptions } from '../../../src/sim/tts/sim-tts.js';
import { WireTraffic } from '../../../src/sim/wire-traffic.js';

// A simulated TTS in simulated time over an embedded broker, three recording devices (two near
// gw-one, one near gw-two), and "our application": an MQTT client subscribed to everything of
// the application. `step` runs the clock and waits until the wire is quiet after each event.

export const API_KEY = 'NNSXS.SIMTTSTESTKEY.SECRET';
export const APP = 'fuota-app';
export const TENANT = 'ttn';
export const GW1 = 'gw-one';
export const GW2 = 'gw-two';
export const GW_FAR = 'gw-far';
export const DEV_EUIS = ['70b3d57ed0000001', '70b3d57ed0000002', '70b3d57ed0000003'];
export const START_MS = Date.UTC(2026, 11, 6, 12, 0, 0);

export interface HeardFrame {
  bytes: Uint8Array;
  mcAddr: number;
  fPort: number;
  payload: Uint8Array;
  atMs: number;
}

export class RecordingDevice extends SimDevice {
  readonly heard: HeardFrame[] = [];
  readonly unicasts: Array<{ fPort: number; payload: Uint8Array; atMs: number }> = [];
  /** McAddrs it listens to (as if it had set up the group). */
  readonly listening = new Set<number>();

  override listensTo(mcAddr: number): boolean {
    return this.listening.has(mcAddr);
  }

  override receiveMulticastFrame(bytes: Uint8Array, sent: { mcAddr: number; fPort: number; payload: Uint8Array }): void {
    this.heard.push({ bytes, ...sent, atMs: this.trueNowMs() });
  }

  override receiveUnicast(fPort: number, payload: Uint8Array): void {
    this.unicasts.push({ fPort, payload, atMs: this.trueNowMs() });
  }
}

function deviceConfig(devEui: string): SimDeviceConfig {
  return {
    devEui, stack: 'spec', rootKey: new Uint8Array(16), lorawanVersion: '1.0', packageVersions: { ts003: 1, ts004: 1, ts005: 1 }, v2Seed: 'N', reedSolomon: false,
    uplinkIntervalMs: 60_000, clockOffsetMs: 0, clockDriftPpm: 0, maxNbFrag: 1000, firmwareVersion: 1, hwVersion: 1, image: new Uint8Array(0), absent: false,
    downlinkLoss: { kind: 'iid', lossRate: 0 }, uplinkLossRate: 0, verifyImage: () => ({ status: 'corrupt', reason: 'not used' }), payloadMode: 'rank-only',
  };
}

export interface Received {
  topic: string;
  json: Record<string, any>;
}

export interface TtsWorld {
  clock: SimClock;
  network: SimNetworkServer;
  devices: RecordingDevice[];
  tts: SimTts;
  app: MqttConnection;
  received: Received[];
  errors: Array<{ error: unknown; context: string }>;
  broker: EmbeddedBroker;
  wire: WireTraffic;
  step(untilMs: number): Promise<void>;
  http(method: string, path: string, body?: unknown, key?: string | null): Promise<{ status: number; json: any; text: string; headers: Headers }>;
  topic(kind: string): Received[];
  close(): Promise<void>;
}

export async function ttsWorld(options: Partial<SimTtsOptions> & { boot?: boolean; realTime?: boolean } = {}): Promise<TtsWorld> {
  const broker = await EmbeddedBroker.start();
  const wire = new WireTraffic();
  const clock = new SimClock(START_MS);
  const random = new Random(7);
  const network = new SimNetworkServer(clock, random.fork('network'));
  const devices = DEV_EUIS.map((devEui) => new RecordingDevice(deviceConfig(devEui), network, random.fork(devEui)));
  network.addDevice(devices[0]!, [GW1]);
  network.addDevice(devices[1]!, [GW1]);
  network.addDevice(devices[2]!, [GW2]);
  const errors: Array<{ error: unknown; context: string }> = [];
  // Real time (as `fuota sim tts`): the driver runs the clock; tests then poll instead of stepping.
  const driver = options.realTime ? new RealTimeDriver(clock, { tickMs: 5 }) : undefined;
  driver?.start();
  const simMqtt = new MqttConnection({ url: broker.url, clientId: 'sim-tts', protocolVersion: 4, clean: true, observer: wire.observer('sim-tts'), username: `${APP}@${TENANT}`, password: API_KEY });
  const tts = await startSimTts({
    network, clock, mqtt: simMqtt, applicationId: APP, tenantId: TENANT, apiKey: API_KEY, gateways: [GW1, GW2, GW_FAR],
    onError: (error, context) => errors.push({ error, context }), ...(driver ? { driver } : {}), ...options,
  });
  const received: Received[] = [];
  const app = new MqttConnection({ url: broker.url, clientId: 'our-app', protocolVersion: 4, clean: false, observer: wire.observer('app') });
  app.onMessage((m) => void received.push({ topic: m.topic, json: JSON.parse(Buffer.from(m.payload).toString('utf8')) }));
  await app.connect();
  await app.subscribe(`v3/${APP}@${TENANT}/devices/+/#`, 0);
  if (options.boot ?? true) for (const d of devices) d.boot();
  return {
    clock, network, devices, tts, app, received, errors, broker, wire,
    step: (untilMs) => clock.run({ untilMs, settle: () => wire.drained(30_000) }),
    async http(method, path, body, key = API_KEY) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key !== null) headers['authorization'] = `Bearer ${key}`;
      const res = await fetch(`${tts.httpUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
      const text = await res.text();
      let json: any;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      // Messages the call caused (down/queued, down/failed) settle before the test looks.
      await wire.drained(30_000);
      return { status: res.status, json, text, headers: res.headers };
    },
    topic: (kind) => received.filter((r) => r.topic.endsWith(`/${kind}`)),
    async close() {
      await app.close().catch(() => undefined);
      await tts.stop();
      await driver?.stop();
      await broker.close();
    },
  };
}

/** The HTTP path of a device in a component ('' = IS). */
export function devicePath(component: '' | 'ns' | 'as' | 'js', deviceId: string): string {
  return `/api/v3/${component ? `${component}/` : ''}applications/${APP}/devices/${deviceId}`;
}

export const MC_NWK_S_KEY = '0102030405060708090a0b0c0d0e0f10';
export const MC_APP_S_KEY = '1112131415161718191a1b1c1d1e1f20';

export interface MulticastDeviceSpec {
  deviceId: string;
  devAddr: string;
  deviceClass: 'B' | 'C' | 'A';
  macSettings?: Record<string, unknown>;
}

/** Creates a multicast device the way the reference describes: IS create, NS set, AS set. */
export async function createMulticastDevice(w: TtsWorld, spec: MulticastDeviceSpec): Promise<void> {
  const ids = { device_id: spec.deviceId, application_ids: { application_id: APP } };
  const is = await w.http('POST', `/api/v3/applications/${APP}/devices`, { end_device: { ids, name: spec.deviceId } });
  if (is.status !== 200) throw new Error(`IS create: ${is.status} ${is.text}`);
  const ns = await w.http('PUT', devicePath('ns', spec.deviceId), nsBody(spec));
  if (ns.status !== 200) throw new Error(`NS set: ${ns.status} ${ns.text}`);
  const as = await w.http('PUT', devicePath('as', spec.deviceId), {
    end_device: { ids, session: { dev_addr: spec.devAddr, keys: { app_s_key: { key: MC_APP_S_KEY } } } },
    field_mask: { paths: ['session.dev_addr', 'session.keys.app_s_key.key'] },
  });
  if (as.status !== 200) throw new Error(`AS set: ${as.status} ${as.text}`);
  for (const d of w.devices) d.listening.add(parseInt(spec.devAddr, 16));
}

export function nsBody(spec: MulticastDeviceSpec, overrides: Record<string, unknown> = {}, extraPaths: string[] = []): unknown {
  const device = {
    ids: { device_id: spec.deviceId, application_ids: { application_id: APP } },
    frequency_plan_id: 'EU_863_870_TTN', lorawan_version: 'MAC_V1_0_4', lorawan_phy_version: 'RP002_V1_0_3',
    multicast: true, supports_join: false, supports_class_b: spec.deviceClass === 'B', supports_class_c: spec.deviceClass === 'C',
    session: { dev_addr: spec.devAddr, keys: { f_nwk_s_int_key: { key: MC_NWK_S_KEY } } },
    mac_settings: spec.macSettings ?? {},
    ...overrides,
  };
  const paths = ['frequency_plan_id', 'lorawan_version', 'lorawan_phy_version', 'multicast', 'supports_join', 'supports_class_b', 'supports_class_c', 'session.dev_addr', 'session.keys.f_nwk_s_int_key.key', 'mac_settings', ...extraPaths];
  return { end_device: device, field_mask: { paths } };
}

/** POST …/as/…/down/push. */
export function push(w: TtsWorld, deviceId: string, downlinks: unknown[]): ReturnType<TtsWorld['http']> {
  return w.http('POST', `${devicePath('as', deviceId)}/down/push`, { downlinks });
}
