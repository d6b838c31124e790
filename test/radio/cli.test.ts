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

// Issue #14: US915 has no duty cycle, so the binding constraint cannot be one; the proposed
// session must outlast the sends and one FragSessionStatus round (answers come up to
// 2^(BlockAckDelay+4) s = 16 s later at BlockAckDelay 0, TS004 §3.2), or the missing fragments
// could not be resent in it; one extra fragment is singular.
test('fuota plan US915 DR13: no duty-cycle binding, a session that holds a status round, singular counts', async (t) => {
  const result = await runCli(['plan', '--region', 'US915', '--dr', '13', '--size', '200', '--redundancy', '1']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /duty cycle none/);
  t.notRegex(result.stdout, /binding +duty cycle/);
  t.notRegex(result.stdout, /waits: duty cycle/);
  t.regex(result.stdout, /binding +budget share \(no duty-cycle limit here: FUOTA keeps to its share of airtime\) \(waits: budget share 0\.197 s\)\n/);
  t.regex(result.stdout, /redundancy +1 extra fragment → 2 downlinks per gateway\n/);
  t.regex(result.stdout, /block +200 bytes in 1 fragment \(39 bytes of padding\)\n/);
  t.regex(result.stdout, /session +class C SessionTimeOut 5 → 2\^5 s = 32 s covers the sends and one status round \(16 s\)\n/);
});
