import { ValueError } from '../../core/errors.js';
import { region } from '../../radio/regions.js';
import type { RegionSpec } from '../../radio/region-types.js';
import type { SimClock } from '../sim-clock.js';

// The gateways the simulated ChirpStack knows, with what its multicast scheduler reads of each:
//   - online or offline: ChirpStack only schedules a multicast queue row whose gateway was seen
//     recently (storage/multicast.rs 694-703, get_schedulable_queue_items, in the post-4.19
//     source): an online gateway is one that keeps sending its stats, i.e. seen "now";
//   - its region config id (the `region_config_id` property the gateway's MQTT backend sets):
//     the scheduler looks the max payload up in that region, not in the group's region field
//     (downlink/multicast.rs 105-119 post-4.19; validate_payload_size in the indexed version).
// Region config ids are those of ChirpStack's shipped configuration (chirpstack/configuration/
// region_*.toml: eu868, us915_0..7, au915_0..7, as923, as923_2..4, kr920, in865, ru864,
// cn470_0..11, eu433); others have no table in src/radio/regions.ts and are refused up front.

export const DEFAULT_REGION_CONFIG_ID = 'eu868';

export interface SimGatewaysOptions {
  clock: SimClock;
  /** Gateway ids (16 lowercase hex digits). */
  ids: readonly string[];
  /** Region config id of every gateway not in `regionConfigIds`; default eu868. */
  regionConfigId?: string;
  regionConfigIds?: Readonly<Record<string, string>>;
  /** Gateways offline from the start (never seen). */
  offline?: readonly string[];
}

interface GatewayState {
  regionConfigId: string;
  region: RegionSpec;
  online: boolean;
  /** Last stats seen while offline (undefined: never seen). */
  lastSeenAtMs?: number;
}

/** ChirpStack's shipped region config id → the RP002 region of src/radio/regions.ts. */
export function regionOfConfigId(regionConfigId: string): RegionSpec {
  const id = regionConfigId.toLowerCase();
  const as923 = /^as923(?:_([234]))?$/.exec(id);
  if (as923) return region(`AS923-${as923[1] ?? '1'}`);
  const numbered = /^(us915|au915|cn470)_\d+$/.exec(id);
  return region(numbered ? numbered[1]! : id);
}

export class SimChirpstackGateways {
  private readonly states = new Map<string, GatewayState>();
  private readonly onlineListeners: Array<(gatewayId: string) => void> = [];

  constructor(private readonly options: SimGatewaysOptions) {
    for (const id of options.ids) {
      const regionConfigId = options.regionConfigIds?.[id] ?? options.regionConfigId ?? DEFAULT_REGION_CONFIG_ID;
      this.states.set(id, { regionConfigId, region: regionOfConfigId(regionConfigId), online: !(options.offline ?? []).includes(id) });
    }
  }

  ids(): string[] {
    return [...this.states.keys()];
  }

  has(gatewayId: string): boolean {
    return this.states.has(gatewayId);
  }

  isOnline(gatewayId: string): boolean {
    return this.states.get(gatewayId)?.online ?? false;
  }

  /** When its stats last came: now while online. */
  lastSeenAtMs(gatewayId: string): number | undefined {
    const state = this.state(gatewayId);
    return state.online ? this.options.clock.now() : state.lastSeenAtMs;
  }

  regionConfigId(gatewayId: string): string {
    return this.state(gatewayId).regionConfigId;
  }

  region(gatewayId: string): RegionSpec {
    return this.state(gatewayId).region;
  }

  /** A test's hand on the gateway: it stops (or resumes) sending stats. */
  setOnline(gatewayId: string, online: boolean): void {
    const state = this.state(gatewayId);
    if (state.online === online) return;
    if (!online) state.lastSeenAtMs = this.options.clock.now();
    state.online = online;
    if (online) for (const listener of this.onlineListeners) listener(gatewayId);
  }

  onOnline(listener: (gatewayId: string) => void): void {
    this.onlineListeners.push(listener);
  }

  private state(gatewayId: string): GatewayState {
    const state = this.states.get(gatewayId);
    if (!state) throw new ValueError('simulated ChirpStack gateway', `one of ${this.ids().join(', ')}`, gatewayId, 'SIM_CHIRPSTACK_UNKNOWN_GATEWAY');
    return state;
  }
}
