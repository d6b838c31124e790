import { Command } from 'commander';
import { ValueError } from '../../core/errors.js';
import type { DeviceClass } from '../../radio/region-types.js';
import type { RedundancySpec } from '../../radio/send-planner.js';

// The planner is imported inside the action: `fuota --help` must not load it (issue #17).

function integer(value: string, field: string, min = 0): number {
  if (!/^\d+$/.test(value.trim())) throw new ValueError(field, `an integer ≥ ${min}`, value);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new ValueError(field, `an integer ≥ ${min}`, value);
  return n;
}

function parseRedundancy(value: string): RedundancySpec {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (match !== null) return { percent: Number(match[1]) };
  return integer(value, '--redundancy');
}

function parseShare(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1) throw new ValueError('--budget-share', 'a number in (0, 1]', value);
  return n;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('plan the multicast send of a fragmented block against each gateway’s duty-cycle budget')
    .requiredOption('--region <region>', 'EU868, US915, AU915, AS923-1..4, KR920, IN865, RU864, CN470, EU433')
    .requiredOption('--dr <dr>', 'downlink data rate index')
    .requiredOption('--size <bytes>', 'block size in bytes')
    .option('--fragment-size <n|auto>', 'fragment data bytes per DataFragment', 'auto')
    .option('--redundancy <n|p%>', 'extra coded fragments, a count or a percentage', '10%')
    .option('--class <C|B>', 'multicast device class', 'C')
    .option('--periodicity <k>', 'class B ping-slot periodicity 0..7 (a slot every 0.96·2^k s)', '0')
    .option('--gateways <n>', 'gateways covering the group', '1')
    .option('--class-c-margin-ms <ms>', "the network server's class C spacing per gateway (ChirpStack multicast_class_c_margin; 0 = none)", '0')
    .option('--budget-share <share>', 'share (0, 1] of each sub-band’s duty cycle FUOTA may use', '0.5')
    .option('--frequency <hz>', 'downlink frequency in Hz (default: RX2 for class C, ping slot for class B)')
    .option('--repeater-compatible', 'use RP002’s repeater-compatible payload sizes')
    .option('--dwell-time <on|off>', 'force the downlink dwell-time limit on or off (default: the region’s default)')
    .option('--json', 'print the whole plan, with every send time, as JSON')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const { formatPlanSummary, planToJson } = await import('../../radio/plan-summary.js');
      const { planFragmentSends } = await import('../../radio/send-planner.js');
      const deviceClass = String(options['class']).toUpperCase();
      if (deviceClass !== 'C' && deviceClass !== 'B') throw new ValueError('--class', 'C or B', options['class']);
      const fragmentSize = String(options['fragmentSize']);
      const dwell = options['dwellTime'];
      if (dwell !== undefined && dwell !== 'on' && dwell !== 'off') throw new ValueError('--dwell-time', 'on or off', dwell);
      const plan = planFragmentSends({
        region: String(options['region']),
        dr: integer(String(options['dr']), '--dr'),
        blockBytes: integer(String(options['size']), '--size', 1),
        fragmentSize: fragmentSize === 'auto' ? 'auto' : integer(fragmentSize, '--fragment-size', 1),
        redundancy: parseRedundancy(String(options['redundancy'])),
        deviceClass: deviceClass as DeviceClass,
        periodicity: integer(String(options['periodicity']), '--periodicity'),
        gateways: integer(String(options['gateways']), '--gateways', 1),
        budgetShare: parseShare(String(options['budgetShare'])),
        frequencyHz: options['frequency'] === undefined ? undefined : integer(String(options['frequency']), '--frequency', 1),
        repeaterCompatible: options['repeaterCompatible'] === true,
        dwellTimeLimited: dwell === undefined ? undefined : dwell === 'on',
        frameSpacingUs: deviceClass === 'C' ? integer(String(options['classCMarginMs']), '--class-c-margin-ms') * 1000 * integer(String(options['gateways']), '--gateways', 1) : 0,
      });
      process.stdout.write(options['json'] === true ? `${JSON.stringify(planToJson(plan), null, 2)}\n` : formatPlanSummary(plan));
    });
}
