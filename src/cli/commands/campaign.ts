import type { Command } from 'commander';
import type { CampaignDetail, CampaignStatus, DeviceLogEntry, DeviceStatus, ValidationResult } from '../../api/campaign-service-types.js';
import { CallerError } from '../../core/errors.js';
import { API_TOKEN_ENV, ApiClient, DEFAULT_API_URL } from '../campaign/api-client.js';

// `fuota campaign ...`: the campaign API of `fuota serve` (docs/api.md) from the command line.
// Human tables by default, the API's JSON with --json; any refusal is one line
// `fuota: CODE: message` and exit 1. The views, the request builder (yaml) and the event stream
// are imported inside the actions: `fuota --help` must not load them (issue #17).

interface ApiFlags {
  url: string;
  token?: string;
  json?: boolean;
}

function apiOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the API of fuota serve (api.listen) or fuota demo --api', DEFAULT_API_URL)
    .option('--token <token>', `bearer token (default: $${API_TOKEN_ENV})`)
    .option('--json', 'print the API answer as JSON');
}

function client(flags: ApiFlags): ApiClient {
  const token = flags.token ?? process.env[API_TOKEN_ENV];
  return new ApiClient({ url: flags.url, ...(token === undefined ? {} : { token }) });
}

function print(flags: ApiFlags, value: unknown, human: () => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(value, null, 2)}\n` : human());
}

const views = () => import('../campaign/campaign-views.js');
const campaignRequestOf = async (flags: { spec: string; package?: string; packagePath?: string }) => {
  const { campaignRequest } = await import('../campaign/campaign-request.js');
  return campaignRequest(flags);
};

const path = (id: string, rest = ''): string => `/campaigns/${encodeURIComponent(id)}${rest}`;

function positiveInteger(field: string, text: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new CallerError('INVALID_ARGUMENT', `${field}: expected a whole number ≥ 1, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function register(program: Command): void {
  const group = program.command('campaign').description('campaigns of a running fuota serve, over its REST API (docs/api.md)');

  apiOptions(group.command('create').description('create a campaign from a spec and a signed package'))
    .requiredOption('--spec <file>', 'campaign spec, JSON or YAML (docs/campaign-file.md)')
    .option('--package <file>', 'the signed package to upload')
    .option('--package-path <path>', "a package already inside the server's campaigns.directory")
    .action(async (flags: ApiFlags & { spec: string; package?: string; packagePath?: string }) => {
      const { campaignDetailText } = await views();
      const detail = await client(flags).post<CampaignDetail>('/campaigns', await campaignRequestOf(flags));
      print(flags, detail, () => `created\n${campaignDetailText(detail)}`);
    });

  apiOptions(group.command('validate').description('dry run of create: devices, waves, fragments, airtime, estimated duration; nothing stored'))
    .requiredOption('--spec <file>', 'campaign spec, JSON or YAML (docs/campaign-file.md)')
    .option('--package <file>', 'the signed package to upload')
    .option('--package-path <path>', "a package already inside the server's campaigns.directory")
    .action(async (flags: ApiFlags & { spec: string; package?: string; packagePath?: string }) => {
      const { validationText } = await views();
      const result = await client(flags).post<ValidationResult>('/campaigns/validate', await campaignRequestOf(flags));
      print(flags, result, () => validationText(result));
    });

  apiOptions(group.command('list').description('campaigns, newest first'))
    .option('--phase <phase>', 'only this phase: running, paused, halted, cancelled, completed')
    .action(async (flags: ApiFlags & { phase?: string }) => {
      const { campaignListTable } = await views();
      const list = await client(flags).get<CampaignStatus[]>('/campaigns', { phase: flags.phase?.toLowerCase() });
      print(flags, list, () => campaignListTable(list));
    });

  apiOptions(group.command('show').description('one campaign: status, outcome counts, airtime, why devices failed').argument('<id>', 'campaign id')).action(
    async (id: string, flags: ApiFlags) => {
      const { campaignDetailText } = await views();
      const detail = await client(flags).get<CampaignDetail>(path(id));
      print(flags, detail, () => campaignDetailText(detail));
    },
  );

  for (const [action, description] of [
    ['pause', 'pause a running campaign (nothing more is sent until resume)'],
    ['resume', 'resume a paused campaign'],
    ['cancel', 'cancel a running or paused campaign: open devices end cancelled, sessions and scheduled reboots are cancelled on the devices'],
  ] as const) {
    apiOptions(group.command(action).description(description).argument('<id>', 'campaign id')).action(async (id: string, flags: ApiFlags) => {
      const detail = await client(flags).post<CampaignDetail>(path(id, `/${action}`));
      print(flags, detail, () => `campaign ${detail.status.id}: ${detail.status.phase}\n`);
    });
  }

  apiOptions(group.command('retry').description('a new campaign, same package, for the devices of a finished one that ended failed, absent, halted or cancelled').argument('<id>', 'campaign id'))
    .option('--new-id <id>', 'id of the new campaign (default ID-retry-N)')
    .action(async (id: string, flags: ApiFlags & { newId?: string }) => {
      const { campaignDetailText } = await views();
      const detail = await client(flags).post<CampaignDetail>(path(id, '/retry'), flags.newId === undefined ? {} : { newId: flags.newId });
      print(flags, detail, () => `created\n${campaignDetailText(detail)}`);
    });

  apiOptions(group.command('devices').description("the campaign's devices: wave, phase, outcome, fragments, last answer").argument('<id>', 'campaign id'))
    .option('--state <state>', 'only devices with this outcome or phase (e.g. failed, confirmed, receiving; open: no outcome yet)')
    .action(async (id: string, flags: ApiFlags & { state?: string }) => {
      const { deviceMatches, deviceTable } = await views();
      const all = await client(flags).get<DeviceStatus[]>(path(id, '/devices'));
      const devices = flags.state === undefined ? all : all.filter((d) => deviceMatches(d, flags.state!));
      print(flags, devices, () => deviceTable(devices));
    });

  apiOptions(group.command('log').description("a device's log: every command sent and answer received, oldest first").argument('<id>', 'campaign id').argument('<devEui>', 'device EUI (16 hex digits)'))
    .option('--limit <n>', 'the newest N entries (server default 200)')
    .action(async (id: string, devEui: string, flags: ApiFlags & { limit?: string }) => {
      const { logTable } = await views();
      const limit = flags.limit === undefined ? undefined : positiveInteger('--limit', flags.limit);
      const entries = await client(flags).get<DeviceLogEntry[]>(path(id, `/devices/${encodeURIComponent(devEui)}/log`), { limit });
      print(flags, entries, () => logTable(entries));
    });

  apiOptions(group.command('watch').description('follow the live event stream: one line per campaign or device change, until Ctrl-C').argument('[id]', 'only this campaign'))
    .option('--limit <n>', 'stop after N events')
    .action(async (id: string | undefined, flags: ApiFlags & { limit?: string }) => {
      const limit = flags.limit === undefined ? undefined : positiveInteger('--limit', flags.limit);
      const { watchEvents } = await import('../campaign/watch-events.js');
      await watchEvents(client(flags), { ...(id === undefined ? {} : { campaignId: id }), ...(limit === undefined ? {} : { limit }), json: Boolean(flags.json) });
    });
}
