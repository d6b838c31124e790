import type { DeviceDirectory } from '../../campaign/ports.js';
import { CallerError, isFuotaError, PeerError } from '../../core/errors.js';
import { parseEui64 } from '../../core/eui.js';
import type { TtsDeviceSummary, TtsHttpClient } from './tts-http-client.js';

// The Things Stack names devices by a device id the operator chose; campaigns name them by
// DevEUI. The Identity Server has no lookup by DevEUI that an application API key may use, so we
// list the application's devices (a few pages even for large fleets) and keep the map a while.

export type TtsDeviceLister = Pick<TtsHttpClient, 'listEndDevices'>;

export interface TtsDeviceListingOptions {
  /** How long a listing answers without asking again (default 60 s). */
  freshForMs?: number;
  /** A miss lists again only when the last listing is older than this (default 5 s). */
  missRefreshAfterMs?: number;
  nowMs?: () => number;
}

/** The application's devices, listed on demand and shared by concurrent callers. */
class TtsDeviceListing {
  private byEui = new Map<string, string>();
  /** Pairs seen in uplinks: authoritative, kept across listings. */
  private readonly learned = new Map<string, string>();
  /** Devices forgotten after a failed downlink: their next lookup lists the application again. */
  private readonly recheck = new Set<string>();
  private listedAtMs: number | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly freshForMs: number;
  private readonly missRefreshAfterMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: TtsDeviceLister,
    private readonly applicationId: string,
    options: TtsDeviceListingOptions = {},
  ) {
    this.freshForMs = options.freshForMs ?? 60_000;
    this.missRefreshAfterMs = options.missRefreshAfterMs ?? 5_000;
    this.now = options.nowMs ?? Date.now;
  }

  learn(deviceId: string, devEui: string): void {
    this.learned.set(parseEui64(devEui, 'devEui'), deviceId);
  }

  /** Drops what is known of `devEui`: the next lookup asks The Things Stack again. */
  forget(devEui: string): void {
    this.learned.delete(devEui);
    this.recheck.add(devEui);
  }

  /** The device id of `devEui` (lower-case hex), or undefined when the application has none. */
  async lookup(devEui: string): Promise<string | undefined> {
    const learned = this.learned.get(devEui);
    if (learned !== undefined) return learned;
    const startedMs = this.now();
    // A forgotten device is listed afresh: an older listing may still have it after its deletion.
    if (this.recheck.delete(devEui) || this.listedAtMs === undefined || startedMs - this.listedAtMs > this.freshForMs) await this.refresh();
    const known = this.byEui.get(devEui);
    if (known !== undefined) return known;
    // One more listing for a device added since; not one per unknown device of a large campaign.
    if (this.inFlight !== undefined || (this.listedAtMs !== undefined && startedMs - this.listedAtMs >= this.missRefreshAfterMs)) await this.refresh();
    return this.byEui.get(devEui) ?? this.learned.get(devEui);
  }

  private refresh(): Promise<void> {
    this.inFlight ??= this.client
      .listEndDevices(this.applicationId)
      .then((devices: TtsDeviceSummary[]) => {
        const next = new Map<string, string>();
        for (const device of devices) if (device.devEui !== undefined) next.set(device.devEui.toLowerCase(), device.deviceId);
        this.byEui = next;
        this.listedAtMs = this.now();
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}

/** Admission's question: does the application have a device with this DevEUI? */
export class TtsDeviceDirectory implements DeviceDirectory {
  private readonly listing: TtsDeviceListing;

  constructor(client: TtsDeviceLister, private readonly applicationId: string, options: TtsDeviceListingOptions = {}) {
    this.listing = new TtsDeviceListing(client, applicationId, options);
  }

  async deviceExists(devEui: string): Promise<boolean> {
    const eui = parseEui64(devEui, 'devEui');
    try {
      return (await this.listing.lookup(eui)) !== undefined;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      // Not knowing is not "unknown": the campaign is refused, to be tried again.
      if (isFuotaError(error) && error.fault === 'caller') throw new CallerError(error.code, `device ${eui}: could not be looked up in The Things Stack application ${this.applicationId}: ${why}`, { cause: error });
      throw new PeerError(isFuotaError(error) ? error.code : 'DEVICE_LOOKUP_FAILED', `device ${eui}: could not be looked up in The Things Stack application ${this.applicationId} (try again): ${why}`, { cause: error });
    }
  }
}

/** DevEUI → TTS device id, for unicast pushes and key reads. */
export class TtsDeviceIds {
  private readonly listing: TtsDeviceListing;

  constructor(client: TtsDeviceLister, private readonly applicationId: string, options: TtsDeviceListingOptions = {}) {
    this.listing = new TtsDeviceListing(client, applicationId, options);
  }

  /** Remember a pair seen elsewhere (an uplink's end_device_ids). */
  learn(deviceId: string, devEui: string): void {
    this.listing.learn(deviceId, devEui);
  }

  /** After a failed downlink: the device may have been deleted, look it up again next time. */
  forget(devEui: string): void {
    this.listing.forget(parseEui64(devEui, 'devEui'));
  }

  /** The device id; CallerError TTS_DEVICE_UNKNOWN when the application has no such DevEUI. */
  async deviceIdOf(devEui: string): Promise<string> {
    const eui = parseEui64(devEui, 'devEui');
    const deviceId = await this.listing.lookup(eui);
    if (deviceId === undefined) {
      throw new CallerError('TTS_DEVICE_UNKNOWN', `device ${eui}: expected a device with this DevEUI in The Things Stack application ${this.applicationId}, got none`);
    }
    return deviceId;
  }
}
