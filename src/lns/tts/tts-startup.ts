import type { TtsUplinkEvent } from './tts-events.js';
import type { TtsHttpClient } from './tts-http-client.js';

// What the TTS adapter does once connected, besides subscribing:
// - warns when the application has the alcsync-v1 package associated: The Things Stack then
//   answers TS003 AppTimeReq itself (from the uplink's receive time), and so do we, so devices
//   get two answers (network-servers.md, TTS section). Best effort, in the background: an API
//   key without the right to read associations must not stop the service.
// - hands over the uplinks the Storage Integration kept since `missedUplinksSinceMs`: MQTT is
//   QoS 0 without sessions, so uplinks published while we were away are lost there. A failure
//   is reported, not fatal: the engine asks devices again anyway.

/** lorawan-stack pkg/applicationserver/io/packages/alcsync/v1 package name. */
export const ALCSYNC_PACKAGE = 'alcsync-v1';

export interface StartupChecks {
  http: Pick<TtsHttpClient, 'packageAssociations' | 'storageUplinks'>;
  applicationId: string;
  missedUplinksSinceMs?: number;
  onStoredUplink: (uplink: TtsUplinkEvent) => Promise<void>;
  onWarning: (message: string) => void;
  onError: (error: unknown, context: string) => void;
}

/** Starts the alcsync check in the background; resolves once missed uplinks (if asked for) are handed over. */
export async function startupChecks(checks: StartupChecks): Promise<void> {
  void warnAboutAlcsync(checks);
  if (checks.missedUplinksSinceMs === undefined) return;
  let uplinks: TtsUplinkEvent[];
  try {
    uplinks = await checks.http.storageUplinks(checks.applicationId, checks.missedUplinksSinceMs);
  } catch (error) {
    checks.onError(error, `reading missed uplinks from the Storage Integration (since ${new Date(checks.missedUplinksSinceMs).toISOString()}) failed; the campaigns ask the devices again`);
    return;
  }
  for (const uplink of uplinks) await checks.onStoredUplink(uplink);
}

async function warnAboutAlcsync(checks: StartupChecks): Promise<void> {
  try {
    const associations = await checks.http.packageAssociations(checks.applicationId);
    const alcsync = associations.filter((association) => association.packageName === ALCSYNC_PACKAGE);
    if (alcsync.length === 0) return;
    const where = alcsync.map((a) => `${a.deviceId === undefined ? 'application default' : `device ${a.deviceId}`} on FPort ${a.fPort}`).join(', ');
    checks.onWarning(
      `The Things Stack application ${checks.applicationId}: the ${ALCSYNC_PACKAGE} package is associated (${where}): it answers TS003 clock sync itself, and so does this service, so devices get two answers; remove the association (or drop clock sync from the campaigns)`,
    );
  } catch (error) {
    checks.onWarning(`The Things Stack application ${checks.applicationId}: could not check for the ${ALCSYNC_PACKAGE} package association (${error instanceof Error ? error.message : String(error)}); if it is associated, devices get two TS003 answers`);
  }
}
