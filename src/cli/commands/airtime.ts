import { Command } from 'commander';
import { ValueError } from '../../core/errors.js';

// What the action needs is imported inside it: `fuota --help` builds every command's definition
// and must not load the modules behind them (issue #17).

function integer(value: string, field: string): number {
  if (!/^\d+$/.test(value.trim())) throw new ValueError(field, 'a non-negative integer', value);
  return Number(value);
}

export function register(program: Command): void {
  program
    .command('airtime')
    .description('print the time on air of one LoRaWAN data downlink')
    .requiredOption('--region <region>', 'EU868, US915, AU915, AS923-1..4, KR920, IN865, RU864, CN470, EU433')
    .requiredOption('--dr <dr>', 'downlink data rate index')
    .requiredOption('--bytes <n>', 'FRMPayload bytes (the application payload, without FPort); see --phy-payload')
    .option('--phy-payload', '--bytes is the whole PHYPayload (MHDR … MIC) instead of the FRMPayload')
    .option('--repeater-compatible', 'use RP002’s repeater-compatible payload sizes')
    .option('--dwell-time <on|off>', 'force the downlink dwell-time limit on or off (default: the region’s default)')
    .option('--json', 'print JSON')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const { PayloadTooLargeError } = await import('../../radio/radio-errors.js');
      const { dataRate, describeModulation, maxPayload, region } = await import('../../radio/regions.js');
      const { downlinkAirtimeUs } = await import('../../radio/send-planner.js');
      const { LORAWAN_FRAME_OVERHEAD_BYTES } = await import('../../radio/time-on-air.js');
      const spec = region(String(options['region']));
      const dr = integer(String(options['dr']), '--dr');
      const rate = dataRate(spec, dr);
      const bytes = integer(String(options['bytes']), '--bytes');
      const dwell = options['dwellTime'];
      if (dwell !== undefined && dwell !== 'on' && dwell !== 'off') throw new ValueError('--dwell-time', 'on or off', dwell);
      const payloadOptions = { repeaterCompatible: options['repeaterCompatible'] === true, dwellTimeLimited: dwell === undefined ? undefined : dwell === 'on' };
      let frmPayloadBytes = bytes;
      if (options['phyPayload'] === true) {
        const maxPhy = maxPayload(spec, dr, payloadOptions).macPayloadBytes + 5;
        if (bytes > maxPhy) throw new PayloadTooLargeError('PHYPayload', maxPhy, `${spec.name} DR${dr} maximum MACPayload M + MHDR 1 + MIC 4`, bytes);
        if (bytes < LORAWAN_FRAME_OVERHEAD_BYTES) throw new ValueError('PHYPayload', `at least ${LORAWAN_FRAME_OVERHEAD_BYTES} bytes (MHDR, FHDR, FPort, MIC)`, `${bytes} bytes`);
        frmPayloadBytes = bytes - LORAWAN_FRAME_OVERHEAD_BYTES;
      }
      const airtimeUs = downlinkAirtimeUs(spec, dr, frmPayloadBytes, payloadOptions);
      const phyPayloadBytes = frmPayloadBytes + LORAWAN_FRAME_OVERHEAD_BYTES;
      const airtimeMs = airtimeUs / 1000;
      if (options['json'] === true) {
        process.stdout.write(`${JSON.stringify({ region: spec.name, dr, modulation: describeModulation(rate), frmPayloadBytes, phyPayloadBytes, airtimeMs })}\n`);
        return;
      }
      const frame = rate.modulation.kind === 'lora' ? 'explicit header, no CRC, 8-symbol preamble, CR 4/5' : '5-byte preamble, 3-byte sync word, length byte, CRC-16';
      process.stdout.write(
        `${spec.name} DR${dr} (${describeModulation(rate)}): FRMPayload ${frmPayloadBytes} B → PHYPayload ${phyPayloadBytes} B ` +
          `(+13: MHDR 1, FHDR 7, FPort 1, MIC 4), time on air ${airtimeMs} ms (downlink: ${frame})\n`,
      );
    });
}
