import { loraTimeOnAirUs } from '../../radio/time-on-air.js';
import type { SimClock } from '../sim-clock.js';
import { GatewayDutyCycle } from './sim-tts-duty-cycle.js';
import type { TtsPriority } from './sim-tts-downlink.js';
import { SimTtsError } from './sim-tts-errors.js';

// The simulated TTS's Gateway Server: the fleet's gateways under their TTS gateway ids (fleet
// gateway i ↔ TTS gateway i), connected or not, with GPS or not, each with its duty cycle
// (sim-tts-duty-cycle.ts). A transmission request is checked as the GS scheduler does
// (pkg/gatewayserver/gatewayserver.go, scheduling/scheduler.go), first refusal wins:
//   - gateway not connected → not_connected (NotFound);
//   - a request at an absolute time on a gateway without GPS (and, here, never enough TX
//     acknowledgements for a round-trip estimate) → no_absolute_gateway_time (Aborted);
//   - an absolute time closer than ScheduleTimeShort (300 ms, the least lead the GS wants) →
//     too_late (FailedPrecondition);
//   - at a fixed time, overlapping another emission of the gateway → conflict (AlreadyExists); at
//     any time (class B/C without a time), moved after it;
//   - duty cycle per sub-band and priority → duty_cycle (ResourceExhausted).

/** scheduling.ScheduleTimeShort. */
export const SCHEDULE_TIME_SHORT_MS = 300;

export interface TtsTxRequest {
  frequencyHz: number;
  spreadingFactor: number;
  bandwidthHz: number;
  phyPayloadBytes: number;
  priority: TtsPriority;
  /** Fixed start from the gateway's GPS clock (absolute_time, class B ping slots). */
  absoluteTimeMs?: number;
  /** Fixed start from the gateway's own counter (class A RX windows): no GPS needed. */
  relativeTimeMs?: number;
}

export type TtsTxResult = { ok: true; startMs: number; airtimeMs: number } | { ok: false; error: SimTtsError };

interface GatewayState {
  id: string;
  fleetId: string;
  online: boolean;
  gps: boolean;
  dutyCycle: GatewayDutyCycle;
  busy: Array<{ startMs: number; endMs: number }>;
}

export class SimTtsGateways {
  private readonly states = new Map<string, GatewayState>();
  private readonly byFleetId = new Map<string, GatewayState>();
  private readonly onlineListeners: Array<(gatewayId: string) => void> = [];

  constructor(
    private readonly clock: SimClock,
    options: { ids: readonly string[]; fleetIds?: readonly string[]; withGps?: readonly string[]; enforceDutyCycle: boolean },
  ) {
    options.ids.forEach((id, i) => {
      const state: GatewayState = {
        id, fleetId: options.fleetIds?.[i] ?? id, online: true, gps: options.withGps ? options.withGps.includes(id) : true,
        dutyCycle: new GatewayDutyCycle(options.enforceDutyCycle), busy: [],
      };
      this.states.set(id, state);
      this.byFleetId.set(state.fleetId, state);
    });
  }

  ids(): string[] {
    return [...this.states.keys()];
  }

  has(id: string): boolean {
    return this.states.has(id);
  }

  isOnline(id: string): boolean {
    return this.states.get(id)?.online ?? false;
  }

  hasGps(id: string): boolean {
    return this.states.get(id)?.gps ?? false;
  }

  /** The TTS id of a fleet gateway (undefined: not one of ours). */
  ttsIdOf(fleetId: string): string | undefined {
    return this.byFleetId.get(fleetId)?.id;
  }

  fleetIdOf(id: string): string | undefined {
    return this.states.get(id)?.fleetId;
  }

  dutyCycleOf(id: string): GatewayDutyCycle | undefined {
    return this.states.get(id)?.dutyCycle;
  }

  setOnline(id: string, online: boolean): void {
    const state = this.states.get(id);
    if (!state || state.online === online) return;
    state.online = online;
    if (online) for (const listener of this.onlineListeners) listener(id);
  }

  onOnline(listener: (gatewayId: string) => void): void {
    this.onlineListeners.push(listener);
  }

  /** Checks the request on this gateway and, when it fits, books it (the emission counts from then on). */
  schedule(id: string, request: TtsTxRequest): TtsTxResult {
    const state = this.states.get(id);
    const now = this.clock.now();
    if (!state || !state.online) return { ok: false, error: new SimTtsError('notConnected', { gateway_uid: id }) };
    const airtimeMs = loraTimeOnAirUs({ spreadingFactor: request.spreadingFactor, bandwidthHz: request.bandwidthHz, phyPayloadBytes: request.phyPayloadBytes, crc: false }) / 1000;
    const fixedMs = request.absoluteTimeMs ?? request.relativeTimeMs;
    try {
      if (request.absoluteTimeMs !== undefined && !state.gps) return { ok: false, error: new SimTtsError('noAbsoluteGatewayTime') };
      if (fixedMs !== undefined) {
        if (fixedMs - now < SCHEDULE_TIME_SHORT_MS && request.absoluteTimeMs !== undefined) return { ok: false, error: new SimTtsError('tooLate', { delta: `${fixedMs - now}ms` }) };
        if (state.busy.some((b) => b.startMs < fixedMs + airtimeMs && fixedMs < b.endMs)) return { ok: false, error: new SimTtsError('conflict') };
        const refusal = state.dutyCycle.check(request.frequencyHz, fixedMs, airtimeMs, request.priority);
        if (refusal) return { ok: false, error: refusal };
        return this.book(state, request.frequencyHz, fixedMs, airtimeMs);
      }
      let startMs = now + SCHEDULE_TIME_SHORT_MS;
      for (;;) {
        const earliest = state.dutyCycle.earliestStart(request.frequencyHz, startMs, airtimeMs, request.priority);
        if (earliest instanceof SimTtsError) return { ok: false, error: earliest };
        const overlap = state.busy.find((b) => b.startMs < earliest + airtimeMs && earliest < b.endMs);
        if (!overlap) return this.book(state, request.frequencyHz, earliest, airtimeMs);
        startMs = overlap.endMs;
      }
    } catch (error) {
      if (error instanceof SimTtsError) return { ok: false, error };
      throw error;
    }
  }

  private book(state: GatewayState, frequencyHz: number, startMs: number, airtimeMs: number): TtsTxResult {
    const now = this.clock.now();
    state.dutyCycle.record(frequencyHz, startMs, airtimeMs, now);
    state.busy = state.busy.filter((b) => b.endMs > now);
    state.busy.push({ startMs, endMs: startMs + airtimeMs });
    return { ok: true, startMs, airtimeMs };
  }
}
