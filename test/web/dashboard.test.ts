import test from 'ava';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createSimulatedWorld, type SimulatedWorld } from '../../src/app/simulated-world.js';
import { CampaignEventHub } from '../../src/api/campaign-event-hub.js';
import { CampaignService, passThroughAdmit } from '../../src/api/campaign-service.js';
import { DEFAULT_SCENARIO } from '../../src/sim/sim-fleet.js';
import { createMetrics } from '../../src/api/metrics/fuota-metrics.js';
import { startRestApi } from '../../src/api/rest/rest-server.js';
import { DigestTokenVerifier, sha256Hex } from '../../src/api/token-verifier.js';

// The dashboard in a real headless Chromium (Debian's, driven by playwright-core; no browser
// download) against the service's REST API (src/api/rest/) over a simulated campaign. Simulated time moves only when the test
// steps the clock, so "the page updates while it runs" is: the page showed 0 fragments, the test
// ran the campaign into its fragment stage, the page (still open, never reloaded) shows more.
// Every wait is for a condition, with a limit far above what a busy 2-core machine needs.

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-test-token';
const WAIT_MS = 60_000;
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const SIM_STEP_MS = 60_000;
const SIM_LIMIT_MS = 7 * 86_400_000;

async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'fuota-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Steps simulated time a minute at a time, letting the server answer the page between steps. */
async function runUntil(world: SimulatedWorld, done: () => boolean): Promise<void> {
  while (!done() && world.clock.pending > 0 && world.clock.now() < world.startMs + SIM_LIMIT_MS) {
    await world.clock.run({ untilMs: world.clock.now() + SIM_STEP_MS, settle: () => world.settle() });
    await sleep(10);
  }
}

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const limit = Date.now() + WAIT_MS;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > limit) throw new Error(`${what}: still ${JSON.stringify(value)} after ${WAIT_MS} ms`);
    await sleep(100);
  }
}

const text = (page: Page, selector: string) => page.locator(selector).first().textContent({ timeout: WAIT_MS });

test('the dashboard lists the demo campaign, follows it live, and its Pause button pauses it', async (t) => {
  t.timeout(10 * 60_000);
  const events = new CampaignEventHub();
  const world = await createSimulatedWorld({
    scenario: { ...DEFAULT_SCENARIO, devices: 20, seed: 7 },
    storePath: 'memory',
    engine: { onTransition: events.onTransition },
  });
  const service = new CampaignService({ engine: world.engine, store: world.store, events, admit: passThroughAdmit(async () => world.block), clock: world.clock });
  const api = await startRestApi({
    service,
    verifier: new DigestTokenVerifier([{ name: 'operator', scope: 'admin', tokenSha256: sha256Hex(TOKEN) }]),
    metrics: createMetrics(service),
    ready: () => ({ store: true }),
    bodyLimitBytes: 1 << 20,
    listen: '127.0.0.1:0',
  });
  const browser = await launch();
  t.teardown(async () => {
    await browser.close();
    await api.close();
    await world.close();
  });
  await world.engine.create(world.spec, world.block);
  const id = world.spec.id;
  const page = await browser.context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  // Without a token the API refuses, and the page says so.
  await page.goto(`${api.url}/`);
  await page.getByRole('alert').filter({ hasText: '401' }).waitFor({ timeout: WAIT_MS });
  await page.getByLabel('API token').fill(TOKEN);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.locator(`tr[data-campaign="${id}"]`).waitFor({ timeout: WAIT_MS });
  t.regex((await text(page, `tr[data-campaign="${id}"]`)) ?? '', /running/);

  await page.getByRole('link', { name: id }).click();
  await until('device rows', () => page.locator('tr[data-dev-eui]').count(), (n) => n === 20);
  for (const device of world.spec.devices.slice(0, 3)) t.true(await page.locator(`tr[data-dev-eui="${device.devEui}"]`).isVisible());
  t.is(await text(page, '[data-fact="fragments-sent"]'), '0');

  // Run past the canary into the second wave's fragments: airtime in the last hour, outcomes counted.
  const view = () => world.engine.view(id)!.campaign;
  await runUntil(world, () => (view().waveIndex >= 1 && view().wave?.stage === 'fragments') || view().phase !== 'running');
  // Fragments are planned ahead: some minutes on, the first of them are on air in the past hour.
  const fragmentsFrom = world.clock.now();
  await runUntil(world, () => world.clock.now() >= fragmentsFrom + 5 * SIM_STEP_MS || view().phase !== 'running');
  t.is(view().phase, 'running', 'the campaign must still run for the pause');
  const shown = await until('fragments sent on the page', async () => Number(await text(page, '[data-fact="fragments-sent"]')), (n) => n > 0);
  t.true(shown > 0);
  await until('stage on the page', () => text(page, '.stages li[aria-current="step"]'), (s) => s !== null && s !== 'setup');
  await until('finished devices on the page', async () => Number(await text(page, '[data-outcome="confirmed"]')), (n) => n > 0);
  const used = await until('budget used on the page', () => text(page, '.duty-card[data-sub-band] .used-text'), (u) => u !== null && !/^used 0\.0 s/.test(u));
  t.regex(used ?? '', /^used \d+\.\d s/);

  // Every row as the engine has it (stream updates replace a row; no field of an older status stays).
  const expectedRows = () =>
    [...world.engine.view(id)!.devices.values()].map((d) => `${d.devEui} ${d.outcome ?? d.phase} ${d.pending ? d.pending.step : '–'}`).sort();
  const rows = await until(
    'device rows as the engine has them',
    () => page.$$eval('tr[data-dev-eui]', (trs) => trs.map((tr) => `${tr.getAttribute('data-dev-eui')} ${tr.children[2]!.textContent} ${tr.children[6]!.textContent!.split(' ')[0]}`).sort()),
    (got) => JSON.stringify(got) === JSON.stringify(expectedRows()),
  );
  t.deepEqual(rows, expectedRows());

  // A device's log on click.
  const devEui = world.spec.devices[0]!.devEui;
  await page.getByRole('button', { name: `Show the log of ${devEui}` }).click();
  await page.getByRole('heading', { name: new RegExp(`^Log of ${devEui} \\(\\d+ entries\\)`) }).waitFor({ timeout: WAIT_MS });
  t.true((await page.locator('.device-log li').count()) > 0);

  await mkdir(DOCS, { recursive: true });
  // The docs' screenshots are refreshed on request only (FUOTA_SCREENSHOTS=1): a test run leaves the tree clean.
  if (process.env['FUOTA_SCREENSHOTS'] === '1') await page.screenshot({ path: join(DOCS, 'dashboard-campaign.png'), fullPage: true });
  else t.true((await page.screenshot({ fullPage: true })).length > 0);

  // Filter by state and text, sort by a column.
  const confirmed = [...world.engine.view(id)!.devices.values()].filter((d) => d.outcome === 'confirmed').length;
  await page.getByLabel('State').selectOption('confirmed');
  await until('confirmed rows', () => page.locator('tr[data-dev-eui]').count(), (n) => n === confirmed);
  await page.getByLabel('State').selectOption('');
  const last = world.spec.devices.at(-1)!.devEui;
  await page.getByLabel('Filter').fill(last.slice(-6));
  await until('rows matching the text', () => page.locator('tr[data-dev-eui]').count(), (n) => n === 1);
  await page.getByLabel('Filter').fill('');
  await page.locator('th[data-key="devEui"] button').click();
  await until('first row after sorting DevEUI descending', () => page.locator('tr[data-dev-eui]').first().getAttribute('data-dev-eui'), (eui) => eui === [...world.spec.devices.map((d) => d.devEui)].sort().at(-1));

  await page.getByRole('button', { name: 'Pause' }).click();
  const phase = await until(
    'campaign phase by the API',
    async () => {
      const response = await fetch(`${api.url}/api/v1/campaigns/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return ((await response.json()) as { status: { phase: string } }).status.phase;
    },
    (p) => p === 'PAUSED',
  );
  t.is(phase, 'PAUSED');
  t.is(view().phase, 'paused');
  await until('phase on the page', () => text(page, '[data-testid="phase"]'), (p) => p === 'paused');
  t.true(await page.getByRole('button', { name: 'Resume' }).isEnabled());

  await page.getByRole('link', { name: '← All campaigns' }).click();
  await until('list row', () => text(page, `tr[data-campaign="${id}"]`), (row) => row !== null && row.includes('paused'));
  if (process.env['FUOTA_SCREENSHOTS'] === '1') await page.screenshot({ path: join(DOCS, 'dashboard-list.png') });
  t.deepEqual(pageErrors, []);
});
