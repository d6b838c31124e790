import type { CreateMulticastGroupCommand } from '../../campaign/commands.js';
import type { Clock, MulticastDownlink } from '../../campaign/ports.js';
import { CallerError, PeerError } from '../../core/errors.js';
import { groupGateways } from '../gateway-cover.js';
import type { GroupEntry } from '../group-registry.js';
import { groupMaxPayloadBytes, type MulticastBackend, type QueuedItem } from '../multicast-backend.js';
import { THE_THINGS_STACK } from '../server-label.js';
import { correlationIdOf } from './tts-correlation.js';
import type { TtsDownlink, TtsPriority } from './tts-downlink-push.js';
import { regionOfFrequencyPlan } from './tts-frequency-plan.js';
import type { TtsEndDeviceRegistration, TtsHttpClient } from './tts-http-client.js';
import { isTtsNotFound } from './tts-http-error.js';
import { multicastDeviceIdOf } from './tts-ids.js';

// A multicast group on The Things Stack is a virtual ABP end device with `multicast: true`
// (../shared/reference/network-servers.md, TTS section); holding, retries, the queue capacity and
// drain-then-delete are the shared MulticastGroups' (../multicast-groups.ts).
// Frames go over HTTP (AS down/push): its answer says at once whether TTS took the frame
// (no_downlink_path, downlink_expired…), so a refusal is retried like a failed ChirpStack
// Enqueue; MQTT is QoS 0 and answers nothing. Class C frames are pushed `pushLeadMs` before their
// atMs with class_b_c.absolute_time = atMs (TTS needs it ≥ ~2.5 s ahead, grpc_asns.go, else
// downlink_expired); class B frames are held until atMs and pushed without absolute_time (the NS
// picks the next ping slot).

/** absolute_time must be at least this far ahead when pushed (TTS refuses below ~2.5 s). */
export const TTS_MIN_ABSOLUTE_TIME_LEAD_MS = 3_000;

export type TtsMulticastHttp = Pick<TtsHttpClient, 'createEndDevice' | 'getEndDevice' | 'deleteEndDevice' | 'pushDownlinks' | 'listDownlinkQueue'>;

export interface TtsMulticastBackendOptions {
  http: TtsMulticastHttp;
  clock: Clock;
  applicationId: string;
  frequencyPlanId: string;
  lorawanVersion: string;
  lorawanPhyVersion: string;
  /** Configured gateways; when empty, the command's own, else those that heard the members. */
  gatewayIds: readonly string[];
  gatewaysHeard: (devEui: string) => readonly string[];
  priority: TtsPriority;
  /** Class C: push this long before atMs (with absolute_time); 0 with absoluteTime false. */
  pushLeadMs: number;
  absoluteTime: boolean;
}

export interface TtsPrepared {
  registration: TtsEndDeviceRegistration;
  maxPayloadBytes: number | undefined;
  gateways: readonly string[];
}

export class TtsMulticastBackend implements MulticastBackend<TtsPrepared> {
  readonly server = THE_THINGS_STACK;
  readonly handOverName = 'down/push';

  constructor(private readonly options: TtsMulticastBackendOptions) {}

  async prepare(command: CreateMulticastGroupCommand): Promise<TtsPrepared> {
    const planRegion = regionOfFrequencyPlan(this.options.frequencyPlanId);
    if (command.region !== undefined && planRegion !== undefined && command.region !== planRegion) {
      // The multicast device takes networkServer.frequencyPlanId: TTS would send on that band's RX2 / ping-slot channels.
      throw new CallerError(
        'TTS_REGION_MISMATCH',
        `multicast group ${command.groupName}: region: expected ${planRegion} (networkServer.frequencyPlanId ${this.options.frequencyPlanId}), got the campaign's ${command.region}`,
      );
    }
    const region = command.region ?? planRegion;
    const maxPayloadBytes = region === undefined ? undefined : groupMaxPayloadBytes(command, region, THE_THINGS_STACK, 'The Things Stack could not send such a frame');
    if (command.deviceClass === 'B' && !(Number.isInteger(command.periodicity) && command.periodicity >= 0 && command.periodicity <= 7)) {
      throw new CallerError('TTS_PERIODICITY_INVALID', `multicast group ${command.groupName}: periodicity: expected 0..7 (ping every 2^n s) for class B, got ${command.periodicity}`);
    }
    const gateways = groupGateways(command, {
      configured: this.options.gatewayIds,
      heardBy: this.options.gatewaysHeard,
      server: THE_THINGS_STACK,
      withoutGateways: 'The Things Stack refuses a multicast downlink without class_b_c.gateways: no_downlink_path',
    });
    const registration: TtsEndDeviceRegistration = {
      deviceId: multicastDeviceIdOf(command.groupName),
      name: command.groupName,
      multicast: true,
      deviceClass: command.deviceClass,
      frequencyPlanId: this.options.frequencyPlanId,
      lorawanVersion: this.options.lorawanVersion,
      lorawanPhyVersion: this.options.lorawanPhyVersion,
      devAddrHex: (command.mcAddr >>> 0).toString(16).padStart(8, '0'),
      fNwkSIntKeyHex: command.mcNwkSKeyHex,
      appSKeyHex: command.mcAppSKeyHex,
      dataRateIndex: command.dr,
      frequencyHz: command.frequencyHz,
      ...(command.deviceClass === 'B' ? { pingSlotPeriodicity: command.periodicity } : {}),
    };
    return { registration, maxPayloadBytes, gateways };
  }

  /**
   * The registry's device if TTS still has it, else the device of the derived id if it is
   * complete (a crash after its creation, before the registry write), else created: creating
   * again is harmless (the IS create tolerates an existing device, NS and AS sets are PUTs) and
   * completes a device a crash left without its NS or AS part. A complete device is not set
   * again: that could reset its session's frame counter, which the members would then refuse.
   */
  async ensure(command: CreateMulticastGroupCommand, prepared: TtsPrepared, known: GroupEntry | undefined): Promise<GroupEntry> {
    const { http, applicationId } = this.options;
    const entry: GroupEntry = {
      id: prepared.registration.deviceId,
      gatewayIds: [...prepared.gateways],
      deviceClass: command.deviceClass,
      ...(prepared.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: prepared.maxPayloadBytes }),
      ...(command.devEuis[0] === undefined ? {} : { memberDevEui: command.devEuis[0] }),
    };
    if (known !== undefined && known.id !== entry.id && (await this.complete(known.id))) return { ...entry, id: known.id };
    if (!(await this.complete(entry.id))) await http.createEndDevice(applicationId, prepared.registration);
    return entry;
  }

  handOverAtMs(downlink: MulticastDownlink, entry: GroupEntry): number {
    return this.absoluteTime(entry) ? downlink.atMs - this.options.pushLeadMs : downlink.atMs;
  }

  async handOver(entry: GroupEntry, downlink: MulticastDownlink): Promise<void> {
    // A late hand-over (retries, a full queue) goes out as soon as TTS can, like a late ChirpStack Enqueue.
    const timed = this.absoluteTime(entry) && downlink.atMs - this.options.clock.now() >= TTS_MIN_ABSOLUTE_TIME_LEAD_MS;
    const push: TtsDownlink = {
      fPort: downlink.fPort,
      payload: downlink.payload,
      priority: this.options.priority,
      correlationIds: [correlationIdOf(downlink.id)],
      classBC: {
        // Every gateway its own group_index: all of them transmit at once (simulcast); with one
        // group the NS would pick only the first gateway that can.
        gateways: (entry.gatewayIds ?? []).map((gatewayId, groupIndex) => ({ gatewayId, groupIndex })),
        ...(timed ? { absoluteTimeMs: Math.round(downlink.atMs) } : {}),
      },
    };
    await this.options.http.pushDownlinks(this.options.applicationId, entry.id, [push]);
  }

  queued(entry: GroupEntry): Promise<readonly QueuedItem[]> {
    return this.options.http.listDownlinkQueue(this.options.applicationId, entry.id);
  }

  unsentReason(items: readonly QueuedItem[]): string {
    const counters = items.some((item) => item.fCnt !== undefined) ? ` (f_cnt ${items.map((item) => item.fCnt ?? '?').join(', ')})` : '';
    return `at the drain deadline${counters}: The Things Stack keeps queued downlinks without expiry, and a gateway of the group may be offline`;
  }

  /** deleteEndDevice tolerates a device already gone. */
  delete(entry: GroupEntry): Promise<void> {
    return this.options.http.deleteEndDevice(this.options.applicationId, entry.id);
  }

  private absoluteTime(entry: GroupEntry): boolean {
    return this.options.absoluteTime && entry.deviceClass !== 'B';
  }

  /** TTS has the device with its NS part, as multicast; a non-multicast device of that id is refused. */
  private async complete(deviceId: string): Promise<boolean> {
    let found;
    try {
      found = await this.options.http.getEndDevice(this.options.applicationId, deviceId);
    } catch (error) {
      if (isTtsNotFound(error)) return false;
      throw error;
    }
    if (found.multicast === false) {
      throw new PeerError('TTS_DEVICE_NOT_MULTICAST', `multicast group device ${deviceId}: expected a multicast end device in application ${this.options.applicationId}, got a unicast device of that id (TTS cannot change the multicast flag after creation: delete it or rename the campaign)`);
    }
    return found.multicast === true;
  }
}
