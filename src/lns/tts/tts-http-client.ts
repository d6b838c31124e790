import { formatRfc3339 } from '../../core/rfc3339.js';
import { encodeDownlinkPush, type TtsDownlink } from './tts-downlink-push.js';
import { decodeStoredUplink, type TtsUplinkEvent } from './tts-events.js';
import { applicationServerSet, identityServerCreate, networkServerSet, type TtsEndDeviceRegistration } from './tts-http-end-device.js';
import { isTtsAlreadyExists, isTtsNotFound, ttsHttpError, ttsResponseError } from './tts-http-error.js';
import { TtsHttpTransport, type TtsHttpTransportOptions } from './tts-http-transport.js';
import { checkTtsId } from './tts-ids.js';
import { isPlainObject, TtsJsonFields } from './tts-wire-json.js';

export type { TtsEndDeviceRegistration } from './tts-http-end-device.js';

// The Things Stack's HTTP API (gRPC gateway under /api/v3, `Authorization: Bearer <API key>`,
// JSON bodies as in lorawan-stack api/api.md). Paths per component: Identity Server
// `/applications/{app}/devices…`, Network Server `/ns/…`, Application Server `/as/…`, Join Server
// `/js/…`. Field masks go in GET queries as `field_mask=a,b` and in PUT bodies as
// `{"field_mask":{"paths":[…]}}`. Every method is a plain async method (the adapter wraps the
// client in a Proxy that counts calls in flight).

export type TtsHttpClientOptions = TtsHttpTransportOptions;

export interface TtsDeviceSummary {
  deviceId: string;
  /** Lower-case hex. */
  devEui?: string;
}

export interface TtsQueuedDownlink {
  fCnt?: number;
  fPort?: number;
  correlationIds: string[];
}

export interface TtsRootKeys {
  appKeyHex?: string;
  nwkKeyHex?: string;
  /** MACVersion name (MAC_V1_0_3, MAC_V1_1…), from the Network Server. */
  lorawanVersion?: string;
}

export interface TtsPackageAssociation {
  /** Absent for the application's default associations. */
  deviceId?: string;
  fPort: number;
  packageName: string;
}

export { TTS_DEFAULT_TIMEOUT_MS } from './tts-http-transport.js';
/** Devices per page of the Identity Server list (its maximum is 1000). */
export const TTS_LIST_PAGE_SIZE = 500;
const MAX_PAGES = 10_000;

export class TtsHttpClient {
  private readonly http: TtsHttpTransport;

  constructor(options: TtsHttpClientOptions) {
    this.http = new TtsHttpTransport(options);
  }

  /** IS create (an existing device is fine: a replay after a crash), then NS and AS set. */
  async createEndDevice(applicationId: string, device: TtsEndDeviceRegistration): Promise<void> {
    const ns = networkServerSet(applicationId, device);
    const as = applicationServerSet(applicationId, device);
    const [app, dev] = [seg(applicationId, 'applicationId'), seg(device.deviceId, 'deviceId')];
    try {
      await this.http.json('POST', `/applications/${app}/devices`, { body: identityServerCreate(applicationId, device, this.http.serverHost) });
    } catch (error) {
      if (!isTtsAlreadyExists(error)) throw error;
    }
    await this.http.json('PUT', `/ns/applications/${app}/devices/${dev}`, { body: ns });
    await this.http.json('PUT', `/as/applications/${app}/devices/${dev}`, { body: as });
  }

  /** The IS entry, and whether the NS knows it as multicast (absent when the NS has no entry). */
  async getEndDevice(applicationId: string, deviceId: string): Promise<{ deviceId: string; devEui?: string; multicast?: boolean }> {
    const [app, dev] = [seg(applicationId, 'applicationId'), seg(deviceId, 'deviceId')];
    const request = `GET /applications/${app}/devices/${dev}`;
    const found = deviceSummary(this.fields(await this.http.json('GET', `/applications/${app}/devices/${dev}`, { query: { field_mask: 'ids' } }), request), request);
    try {
      const ns = this.fields(await this.http.json('GET', `/ns/applications/${app}/devices/${dev}`, { query: { field_mask: 'multicast' } }), `GET /ns/applications/${app}/devices/${dev}`);
      return { ...found, multicast: ns.bool('multicast') };
    } catch (error) {
      if (isTtsNotFound(error)) return found;
      throw error;
    }
  }

  /** Every device of the application (IS list, all pages). */
  async listEndDevices(applicationId: string): Promise<TtsDeviceSummary[]> {
    const app = seg(applicationId, 'applicationId');
    const request = `GET /applications/${app}/devices`;
    const devices: TtsDeviceSummary[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.http.jsonWithHeaders('GET', `/applications/${app}/devices`, { query: { field_mask: 'ids', limit: TTS_LIST_PAGE_SIZE, page } });
      const items = this.fields(answer.body, request).objects('end_devices');
      devices.push(...items.map((item) => deviceSummary(item, request)));
      const total = Number(answer.headers.get('x-total-count') ?? NaN);
      if (items.length < TTS_LIST_PAGE_SIZE || (Number.isFinite(total) && devices.length >= total)) break;
    }
    return devices;
  }

  /** AS, NS, IS delete (no Join Server entry for ABP); not_found on any is fine. */
  async deleteEndDevice(applicationId: string, deviceId: string): Promise<void> {
    const [app, dev] = [seg(applicationId, 'applicationId'), seg(deviceId, 'deviceId')];
    for (const path of [`/as/applications/${app}/devices/${dev}`, `/ns/applications/${app}/devices/${dev}`, `/applications/${app}/devices/${dev}`]) {
      try {
        await this.http.json('DELETE', path);
      } catch (error) {
        if (!isTtsNotFound(error)) throw error;
      }
    }
  }

  async pushDownlinks(applicationId: string, deviceId: string, downlinks: readonly TtsDownlink[]): Promise<void> {
    await this.http.json('POST', `${this.asDevice(applicationId, deviceId)}/down/push`, { rawBody: encodeDownlinkPush(downlinks) });
  }

  async replaceDownlinks(applicationId: string, deviceId: string, downlinks: readonly TtsDownlink[]): Promise<void> {
    await this.http.json('POST', `${this.asDevice(applicationId, deviceId)}/down/replace`, { rawBody: encodeDownlinkPush(downlinks) });
  }

  /** The Application Server's view of the device's queue (ApplicationDownlinks). */
  async listDownlinkQueue(applicationId: string, deviceId: string): Promise<TtsQueuedDownlink[]> {
    const path = `${this.asDevice(applicationId, deviceId)}/down`;
    return this.fields(await this.http.json('GET', path), `GET ${path}`)
      .objects('downlinks')
      .map((downlink) => {
        const fCnt = downlink.uint('f_cnt', 0xffffffff);
        const fPort = downlink.uint('f_port', 255);
        return { ...(fCnt !== undefined ? { fCnt } : {}), ...(fPort ? { fPort } : {}), correlationIds: downlink.strings('correlation_ids') };
      });
  }

  /** JS root keys (the API key needs the right to read device keys) and the NS's MAC version. */
  async getRootKeys(applicationId: string, deviceId: string): Promise<TtsRootKeys> {
    const [app, dev] = [seg(applicationId, 'applicationId'), seg(deviceId, 'deviceId')];
    const jsPath = `/js/applications/${app}/devices/${dev}`;
    const js = this.fields(await this.http.json('GET', jsPath, { query: { field_mask: 'root_keys' } }), `GET ${jsPath}`);
    const keys = js.object('root_keys');
    const appKeyHex = keys?.object('app_key')?.hex('key', 16);
    const nwkKeyHex = keys?.object('nwk_key')?.hex('key', 16);
    let lorawanVersion: string | undefined;
    try {
      const nsPath = `/ns/applications/${app}/devices/${dev}`;
      lorawanVersion = this.fields(await this.http.json('GET', nsPath, { query: { field_mask: 'lorawan_version' } }), `GET ${nsPath}`).string('lorawan_version');
    } catch (error) {
      if (!isTtsNotFound(error)) throw error;
    }
    return { ...(appKeyHex !== undefined ? { appKeyHex } : {}), ...(nwkKeyHex !== undefined ? { nwkKeyHex } : {}), ...(lorawanVersion !== undefined ? { lorawanVersion } : {}) };
  }

  /**
   * The application's default package associations (ApplicationPackageRegistry
   * ListDefaultAssociations: `GET /as/applications/{app}/packages/associations` →
   * `{"defaults":[{"ids":{"application_ids":…,"f_port":202},"package_name":"alcsync-v1"}]}`).
   */
  async packageAssociations(applicationId: string): Promise<TtsPackageAssociation[]> {
    const path = `/as/applications/${seg(applicationId, 'applicationId')}/packages/associations`;
    return this.fields(await this.http.json('GET', path, { query: { field_mask: 'package_name', limit: 1000 } }), `GET ${path}`)
      .objects('defaults')
      .map((entry) => ({ fPort: entry.requireObject('ids').uint('f_port', 255) ?? 0, packageName: entry.requireString('package_name', 'a package name') }));
  }

  /**
   * Uplinks kept by the Storage Integration since `afterMs`, oldest first: the gRPC gateway
   * streams one `{"result": ApplicationUp}` per line (an `{"error": …}` line ends it early).
   */
  async storageUplinks(applicationId: string, afterMs: number, limit?: number): Promise<TtsUplinkEvent[]> {
    const path = `/as/applications/${seg(applicationId, 'applicationId')}/packages/storage/uplink_message`;
    const request = `GET ${path}`;
    const text = await this.http.text('GET', path, { query: { after: formatRfc3339(afterMs), limit, order: 'received_at' } });
    const uplinks: TtsUplinkEvent[] = [];
    for (const [index, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw ttsResponseError(request, `line ${index + 1}: expected a JSON object, got text that is not JSON`);
      }
      if (!isPlainObject(value)) throw ttsResponseError(request, `line ${index + 1}: expected a JSON object`);
      if (isPlainObject(value['error'])) throw ttsHttpError(request, 500, JSON.stringify(value['error']));
      const result = new TtsJsonFields(value, `The Things Stack ${request} line ${index + 1}`, 'TTS_RESPONSE_INVALID').requireObject('result');
      if (!result.has('uplink_message')) continue;
      uplinks.push(decodeStoredUplink(result));
    }
    return uplinks;
  }

  /** True when TTS answers an authenticated call; false when it cannot be reached or fails (5xx); a rejected key throws. */
  async reachable(): Promise<boolean> {
    try {
      await this.http.json('GET', '/auth_info');
      return true;
    } catch (error) {
      if (error instanceof Error && 'fault' in error && error.fault === 'caller') throw error;
      return false;
    }
  }

  private asDevice(applicationId: string, deviceId: string): string {
    return `/as/applications/${seg(applicationId, 'applicationId')}/devices/${seg(deviceId, 'deviceId')}`;
  }

  private fields(body: unknown, request: string): TtsJsonFields {
    if (!isPlainObject(body)) throw ttsResponseError(request, 'expected a JSON object');
    return new TtsJsonFields(body, `The Things Stack ${request}`, 'TTS_RESPONSE_INVALID');
  }

}

/** An id checked for the path (TTS ids need no escaping once valid). */
function seg(id: string, field: string): string {
  return checkTtsId(id, field);
}

function deviceSummary(device: TtsJsonFields, request: string): TtsDeviceSummary {
  const ids = device.object('ids');
  if (ids === undefined) throw ttsResponseError(request, 'expected end device ids');
  const deviceId = ids.requireString('device_id', 'a device id');
  const devEui = ids.hex('dev_eui', 8);
  return { deviceId, ...(devEui !== undefined ? { devEui } : {}) };
}
