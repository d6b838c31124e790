import type { DeviceLogEntry, TransitionResult } from '../../src/campaign/draft.js';
import type { OutboxItem, StoredCampaign } from '../../src/campaign/ports.js';
import type { CampaignState, DeviceState } from '../../src/campaign/state.js';
import type { LedgerSnapshot } from '../../src/radio/duty-cycle-ledger.js';

/** What a store should hold after a sequence of commits, kept the obvious way: the test oracle. */
export class CampaignModel {
  campaign: CampaignState;
  ledger?: LedgerSnapshot;
  outbox: OutboxItem[] = [];
  private readonly devices = new Map<string, DeviceState>();
  private readonly logs: DeviceLogEntry[] = [];

  constructor(readonly record: { specJson: string; block: Uint8Array; campaign: CampaignState; devices: DeviceState[] }) {
    this.campaign = json(record.campaign);
    for (const device of record.devices) this.devices.set(device.devEui, json(device));
  }

  commit(result: TransitionResult, seqs: number[]): void {
    this.campaign = json(result.campaign);
    if (result.ledger) this.ledger = json(result.ledger);
    for (const device of result.devices) this.devices.set(device.devEui, json(device));
    this.logs.push(...result.log.map(json));
    if (seqs.length !== result.commands.length) throw new Error(`expected ${result.commands.length} seqs, got ${seqs.length}`);
    result.commands.forEach((command, i) => this.outbox.push({ seq: seqs[i]!, command: json(command) }));
  }

  markDone(seqs: readonly number[]): void {
    this.outbox = this.outbox.filter((item) => !seqs.includes(item.seq));
  }

  stored(): StoredCampaign {
    const stored: StoredCampaign = {
      specJson: this.record.specJson,
      block: this.record.block,
      campaign: this.campaign,
      devices: [...this.devices.values()],
      outbox: this.outbox,
    };
    if (this.ledger) stored.ledger = this.ledger;
    return stored;
  }

  log(devEui: string): DeviceLogEntry[] {
    return this.logs.filter((entry) => entry.devEui === devEui);
  }
}

/** As a store gives values back: through JSON (undefined fields gone). */
function json<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
