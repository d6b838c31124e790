import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { eventually, freePort, fuota, tail, type Child } from './fuota-child.js';

// A new user's trial, as the `fuota sim chirpstack|tts` end-to-end tests run it: a config in a
// fresh directory (free ports), the simulator as a child writing its campaign file into a
// staging directory, then `fuota serve` on the same config, and the campaign file dropped into
// the campaigns directory the way an operator should (package first, JSON renamed into place).

export interface SimulationRun {
  dir: string;
  configFile: string;
  campaigns: string;
  sim: Child;
  /** The campaign file the simulator wrote: its name and content. */
  campaignName: string;
  campaignFile: { spec: { id: string; devices: Array<{ devEui: string; rootKey?: string }> }; package: string };
  /** What the simulator printed up to `ready:`. */
  printed: string;
  /** Spawns `fuota serve --config` and waits for "fuota service started". */
  serve(): Promise<Child>;
  /** Copies the package, then the campaign file under a temporary name renamed into place. */
  dropCampaign(): void;
}

export async function startSimulationRun(
  t: ExecutionContext,
  options: { server: 'chirpstack' | 'tts'; writeConfig: (dir: string, mqttPort: number, apiPort: number) => string; devices: number; uplinkIntervalMs: number },
): Promise<SimulationRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fuota-sim-${options.server}-`));
  const children: Child[] = [];
  t.teardown(() => {
    for (const child of children) child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const configFile = options.writeConfig(dir, await freePort(), await freePort());
  const staging = path.join(dir, 'staging');
  const sim = fuota(['sim', options.server, '--config', configFile, '--embedded-broker', '--devices', String(options.devices), '--uplink-interval-ms', String(options.uplinkIntervalMs), '--write-campaign', staging]);
  children.push(sim);
  await eventually(() => sim.stdout().includes('ready: '), 60_000, () => `the simulator ready; stdout:\n${sim.stdout()}\nstderr:\n${sim.stderr()}`, [sim]);
  const campaignName = fs.readdirSync(staging).find((name) => name.endsWith('.json'));
  if (campaignName === undefined) throw new Error(`no campaign file in ${staging}: ${fs.readdirSync(staging).join(', ')}`);
  const campaignFile = JSON.parse(fs.readFileSync(path.join(staging, campaignName), 'utf8')) as SimulationRun['campaignFile'];
  const campaigns = path.join(dir, 'campaigns');
  return {
    dir, configFile, campaigns, sim, campaignName, campaignFile,
    printed: sim.stdout(),
    serve: async () => {
      const serve = fuota(['serve', '--config', configFile]);
      children.push(serve);
      await eventually(() => serve.stdout().includes('fuota service started'), 60_000, () => `the service started; stdout:\n${tail(serve.stdout())}\nstderr:\n${serve.stderr()}`, [sim, serve]);
      return serve;
    },
    dropCampaign: () => {
      fs.copyFileSync(path.join(staging, campaignFile.package), path.join(campaigns, campaignFile.package));
      fs.copyFileSync(path.join(staging, campaignName), path.join(campaigns, `${campaignName}.part`));
      fs.renameSync(path.join(campaigns, `${campaignName}.part`), path.join(campaigns, campaignName));
    },
  };
}
