import test from 'ava';
import { runCli } from '../helpers/run-cli.js';

test('fuota plan prints the summary of the EU868 DR5 50 KB example', async (t) => {
  const result = await runCli(['plan', '--region', 'EU868', '--dr', '5', '--size', '50000']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^fuota plan: EU868 DR5 \(LoRa SF7 BW125\), class C\n/);
  t.regex(result.stdout, /fragment size +239 bytes/);
  t.regex(result.stdout, /time on air 394\.496 ms/);
  t.regex(result.stdout, /sub-band P 869\.4-869\.65 MHz, duty cycle 10 %/);
  t.regex(result.stdout, /duration +30 min 22\.572 s/);
  t.regex(result.stdout, /binding +duty cycle/);
  t.regex(result.stdout, /session +class C SessionTimeOut 11 /);
});

test('fuota airtime --json gives one downlink’s time on air', async (t) => {
  const result = await runCli(['airtime', '--region', 'US915', '--dr', '8', '--bytes', '53', '--json']);
  t.is(result.code, 0, result.stderr);
  // PHYPayload 66 at SF12/500 kHz, no CRC: 616.448 ms (see time-on-air.test.ts).
  t.deepEqual(JSON.parse(result.stdout), { region: 'US915', dr: 8, modulation: 'LoRa SF12 BW500', frmPayloadBytes: 53, phyPayloadBytes: 66, airtimeMs: 616.448 });
});

test('fuota plan refuses a DR the region lacks with one line and exit 1', async (t) => {
  const result = await runCli(['plan', '--region', 'US915', '--dr', '3', '--size', '100']);
  t.is(result.code, 1);
  t.is(result.stdout, '');
  t.is(result.stderr, 'fuota: US915 data rate: expected a US915 downlink data rate (DR8, DR9, DR10, DR11, DR12, DR13); DR3 is uplink-only, got "DR3"\n');
});
