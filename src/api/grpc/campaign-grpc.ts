import { Metadata, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { CampaignPhase } from '../../campaign/state.js';
import { CallerError } from '../../core/errors.js';
import type { CampaignService } from '../campaign-service.js';
import type { CampaignDetail, CampaignRequest, CampaignStreamEvent } from '../campaign-service-types.js';
import { authorizeCall } from './grpc-auth.js';
import { unary, type CallContext } from './grpc-call.js';
import { toServiceError } from './grpc-errors.js';

// fuota.api.v1.CampaignService (proto/fuota_api.proto): each RPC is one CampaignService call;
// here only the message shapes change (JSON strings for the spec, report and dry run).

type Req = Record<string, unknown>;

function specOf(request: Req): unknown {
  const text = String(request['specJson'] ?? '');
  try {
    return JSON.parse(text);
  } catch {
    throw new CallerError('INVALID_REQUEST', `spec_json: expected the campaign spec as JSON, got ${text === '' ? 'nothing' : 'text that is not JSON'}`);
  }
}

function campaignRequest(request: Req): CampaignRequest {
  const bytes = request['packageBytes'];
  const path = request['packagePath'];
  return { spec: specOf(request), ...(bytes instanceof Uint8Array ? { packageBytes: bytes } : {}), ...(typeof path === 'string' ? { packagePath: path } : {}) };
}

function detail(d: CampaignDetail): object {
  return { status: d.status, specJson: JSON.stringify(d.spec), packageBytes: d.packageBytes, reportJson: JSON.stringify(d.report), ...(d.nextWakeMs === undefined ? {} : { nextWakeMs: d.nextWakeMs }) };
}

function idOf(request: Req, field = 'id'): string {
  const id = request[field];
  if (typeof id !== 'string' || id === '') throw new CallerError('INVALID_REQUEST', `${field === 'id' ? 'id' : 'campaign_id'}: expected a campaign id, got none`);
  return id;
}

function phaseOf(request: Req): CampaignPhase | undefined {
  const phase = request['phase'];
  return typeof phase === 'string' && phase !== 'PHASE_UNSPECIFIED' ? (phase.toLowerCase() as CampaignPhase) : undefined;
}

export function campaignHandlers(service: CampaignService, ctx: CallContext): UntypedServiceImplementation {
  const read = <R extends Req>(name: string, run: (r: R) => Promise<object>) => unary<R>(ctx, name, 'read', run);
  const admin = <R extends Req>(name: string, run: (r: R) => Promise<object>) => unary<R>(ctx, name, 'admin', run);
  return {
    CreateCampaign: admin('CreateCampaign', async (r) => detail(await service.create(campaignRequest(r)))),
    ValidateCampaign: admin('ValidateCampaign', async (r) => ({ resultJson: JSON.stringify(await service.validate(campaignRequest(r))) })),
    ListCampaigns: read('ListCampaigns', async (r) => {
      const phase = phaseOf(r);
      return { campaigns: await service.list(phase === undefined ? {} : { phase }) };
    }),
    GetCampaign: read('GetCampaign', async (r) => detail(await service.get(idOf(r)))),
    PauseCampaign: admin('PauseCampaign', async (r) => detail(await service.pause(idOf(r)))),
    ResumeCampaign: admin('ResumeCampaign', async (r) => detail(await service.resume(idOf(r)))),
    CancelCampaign: admin('CancelCampaign', async (r) => detail(await service.cancel(idOf(r)))),
    RetryCampaign: admin('RetryCampaign', async (r) => {
      const newId = r['newId'];
      return detail(await service.retry(idOf(r), typeof newId === 'string' && newId !== '' ? { newId } : {}));
    }),
    ListDevices: read('ListDevices', async (r) => ({ devices: await service.devices(idOf(r)) })),
    GetDeviceLog: read('GetDeviceLog', async (r) => {
      const limit = Number(r['limit'] ?? 0);
      const entries = await service.deviceLog(idOf(r, 'campaignId'), String(r['devEui'] ?? ''), limit === 0 ? undefined : limit);
      return { entries };
    }),
    GetBudget: read('GetBudget', async (r) => service.budget(idOf(r))),
    Watch: (call: ServerWritableStream<Req, object>) => watch(service, ctx, call),
  };
}

function watch(service: CampaignService, ctx: CallContext, call: ServerWritableStream<Req, object>): void {
  try {
    authorizeCall(call.metadata, ctx.verifier, 'read', 'Watch');
  } catch (error) {
    call.emit('error', toServiceError(error));
    return;
  }
  const campaignId = String(call.request['campaignId'] ?? '');
  // A client that reads slower than changes come loses device events while its buffer is full
  // (never campaign events), as the REST event stream does.
  let full = false;
  call.on('drain', () => {
    full = false;
  });
  const send = (event: CampaignStreamEvent): void => {
    if (event.type === 'device' && full) return;
    const message = event.type === 'campaign' ? { campaignId: event.campaignId, campaign: event.campaign } : { campaignId: event.campaignId, device: event.device };
    if (!call.write(message)) full = true;
  };
  const unsubscribe = service.subscribe(send, campaignId === '' ? {} : { campaignId });
  call.on('cancelled', unsubscribe);
  call.on('close', unsubscribe);
  call.on('error', unsubscribe);
  // Tell the client the watch is in place (headers), so that it knows which changes it will see.
  call.sendMetadata(new Metadata());
}
