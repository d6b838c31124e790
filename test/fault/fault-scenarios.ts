// The fault matrix of issue #14 ("Deliver 2"): one fault per run of the real `fuota serve`.
// Wave stages: src/campaign/state.ts WaveStage. 'teardown' is never a committed stage of its own:
// enterTeardown (src/campaign/wave-stages.ts) sets it and moves on to 'done' and the next wave in
// the same transition, so the moment after a wave's teardown is the next wave's first 'setup'
// line (the same kill point as kill-w2-setup) or, after the last wave, the campaign's
// 'completed' line. The multicast group itself is deleted when 'upgrade' starts (enterUpgrade).

export const STAGES = ['setup', 'session', 'fragments', 'status', 'upgrade', 'teardown'] as const;
export type Stage = (typeof STAGES)[number];

/** Where in a run: the first 'campaign progress' log line of that wave (0-based) and stage ('teardown': see above). */
export interface StagePoint {
  wave: number;
  stage: Stage;
}

/**
 * The intake's steps (src/intake/campaign-directory-intake.ts): admission under way (the first
 * bytes serve sends to the network server's API after the drop: root keys being read, before
 * engine.create), the campaign stored while its file is not yet renamed (the store's files
 * watched), the file renamed `.accepted` (its log line).
 */
export type IntakePoint = 'admitting' | 'created' | 'accepted';

export type Fault =
  | { kind: 'none' }
  | { kind: 'kill'; at: StagePoint }
  | { kind: 'kill-intake'; at: IntakePoint }
  | { kind: 'broker-restart'; at: StagePoint; downMs: number }
  | { kind: 'api-down'; at: StagePoint; downMs: number }
  | { kind: 'disk-full'; at: StagePoint };

export interface Scenario {
  name: string;
  fault: Fault;
}

export const DEFAULT_API_DOWN_MS = 5 * 60_000;
export const BROKER_DOWN_MS = 10_000;

export function scenarios(apiDownMs = DEFAULT_API_DOWN_MS): Scenario[] {
  const kills: Scenario[] = [];
  for (const wave of [0, 1]) {
    for (const stage of STAGES) {
      // Wave 1's teardown is the instant of kill-w2-setup (see above): not run twice.
      if (wave === 0 && stage === 'teardown') continue;
      kills.push({ name: `kill-w${wave + 1}-${stage}`, fault: { kind: 'kill', at: { wave, stage } } });
    }
  }
  return [
    { name: 'baseline', fault: { kind: 'none' } },
    ...kills,
    ...(['admitting', 'created', 'accepted'] as const).map((at): Scenario => ({ name: `kill-intake-${at}`, fault: { kind: 'kill-intake', at } })),
    { name: 'broker-restart-w1-fragments', fault: { kind: 'broker-restart', at: { wave: 0, stage: 'fragments' }, downMs: BROKER_DOWN_MS } },
    { name: 'api-down-w1-setup', fault: { kind: 'api-down', at: { wave: 0, stage: 'setup' }, downMs: apiDownMs } },
    // From the last wave's status round on, so that its teardown (the multicast groups deleted
    // when 'upgrade' starts, within a second) meets the API away; the campaign's end too. Down at
    // the 'upgrade' line itself came too late: the groups were gone before the harness saw it.
    { name: 'api-down-w2-teardown', fault: { kind: 'api-down', at: { wave: 1, stage: 'status' }, downMs: apiDownMs } },
    { name: 'disk-full-w1-fragments', fault: { kind: 'disk-full', at: { wave: 0, stage: 'fragments' } } },
  ];
}
