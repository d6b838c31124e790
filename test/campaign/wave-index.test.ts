// The wave index (src/campaign/wave-index.ts) decides as a pass over the wave would: on random
// runs (answers, silences, retries, timeouts, canary and second wave), at every event
// - the engine's DeviceTable, kept up to date by set(), gives the same transition result as a
//   plain map (whose index is built from scratch for the transition);
// - its counts and due buckets equal those of an index built from the devices;
// - advanceDevice, the per-device step of every stage check, never acts on a device before
//   actsAtMs says it would (a tick visits only the devices due: acting earlier would be missed).

import test from 'ava';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { advanceDevice } from '../../src/campaign/device-progress.js';
import { Draft, type TransitionResult } from '../../src/campaign/draft.js';
import type { CampaignEvent } from '../../src/campaign/events.js';
import { transition } from '../../src/campaign/transition.js';
import { actsAtMs, DeviceTable, WaveIndex } from '../../src/campaign/wave-index.js';
import { MINUTE, SECOND, Script, V1, V2, specInput } from './script.js';

class CheckedScript extends Script {
  readonly table = new DeviceTable();
  checks = 0;

  override apply(event: CampaignEvent): TransitionResult {
    if (this.table.size === 0) for (const d of this.devices.values()) this.table.set(d.devEui, d);
    const viaTable = transition({ campaign: this.campaign, devices: this.table, ...(this.ledger ? { ledger: this.ledger } : {}) }, event, this.ctx);
    this.checkActsAt(event.atMs);
    const result = super.apply(event);
    if (!isDeepStrictEqual(viaTable, result)) throw new Error(`the indexed table decided otherwise on ${event.type} at ${event.atMs}`);
    for (const device of result.devices) this.table.set(device.devEui, device);
    const kept = this.table.indexFor(this.ctx);
    const fresh = new WaveIndex(this.ctx, this.devices.values());
    for (let wave = 0; wave < this.campaign.waveCount; wave++) {
      if (!isDeepStrictEqual(kept.countsOf(wave), fresh.countsOf(wave))) throw new Error(`wave ${wave}: counts kept by the table differ from counts built afresh`);
      const due = (index: WaveIndex) => index.dueCandidates(wave, Infinity).sort();
      if (!isDeepStrictEqual(due(kept), due(fresh))) throw new Error(`wave ${wave}: due devices kept by the table differ from those built afresh`);
    }
    this.checks++;
    return result;
  }

  /** advanceDevice acts (changes the device or sends) only once actsAtMs ≤ now. */
  private checkActsAt(nowMs: number): void {
    const wave = this.campaign.wave;
    if (!wave || this.campaign.phase !== 'running') return;
    for (const device of this.devices.values()) {
      if (device.wave !== wave.index) continue;
      const draft = new Draft({ campaign: this.campaign, devices: this.devices }, nowMs);
      advanceDevice(draft, device.devEui, draft.campaign.wave!, this.ctx);
      const result = draft.result();
      const acted = result.devices.length > 0 || result.commands.length > 0;
      if (acted && actsAtMs(device, this.ctx) > nowMs) throw new Error(`advanceDevice acted on ${device.devEui} (${device.phase}) at ${nowMs}, before actsAtMs ${actsAtMs(device, this.ctx)}`);
    }
  }
}

type Step = { kind: 'answer'; dev: number; v2: boolean } | { kind: 'wait'; ms: number } | { kind: 'silence'; dev: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('answer' as const), dev: fc.integer({ min: 0, max: 3 }), v2: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(5 * SECOND, 40 * SECOND, 3 * MINUTE, 20 * MINUTE) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('silence' as const), dev: fc.integer({ min: 0, max: 3 }) }) },
);

test('the indexed stage checks decide as a pass over the wave (random runs)', (t) => {
  let checks = 0;
  fc.assert(
    fc.property(fc.constantFrom(0, 0.5), fc.array(step, { minLength: 10, maxLength: 80 }), (canaryFraction, steps) => {
      const s = new CheckedScript(specInput({ devices: 4, canaryFraction, haltFailureRate: 1 }));
      s.start();
      const silent = new Set<string>();
      const euis = [...s.devices.keys()];
      for (const st of steps) {
        if (s.campaign.phase !== 'running') break;
        if (st.kind === 'wait') s.advanceBy(st.ms);
        else if (st.kind === 'silence') silent.add(euis[st.dev]!);
        else {
          const devEui = euis[st.dev]!;
          const device = s.device(devEui);
          if (silent.has(devEui) || !device.pending || device.outcome || device.wave !== s.campaign.waveIndex) continue;
          s.advanceBy(5 * SECOND);
          try {
            s.answerPending(devEui, st.v2 ? V2 : V1);
          } catch {
            // Nothing the script knows how to answer (e.g. a unicast FragSessionStatusReq): silence.
          }
        }
      }
      // Then to the end: every timeout, retry and deadline on the way.
      s.advanceBy(24 * 60 * MINUTE);
      checks += s.checks;
    }),
    { numRuns: 60 },
  );
  t.true(checks > 400, `only ${checks} events checked`);
});
