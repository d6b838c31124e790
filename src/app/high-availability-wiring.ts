// Several instances (docs/high-availability.md, config highAvailability): the leases and the
// shared uplink inbox on the store's PostgreSQL pool, the store hooks that fence commits with
// them, and the per-instance MQTT client id.
import os from 'node:os';
import type pg from 'pg';
import type { FuotaConfig } from '../config/load-config.js';
import { PostgresCampaignLeases } from '../store/postgres-campaign-leases.js';
import type { StoreOwnership } from '../store/postgres-campaign-store.js';
import { PostgresUplinkInbox } from '../store/postgres-uplink-inbox.js';

export interface HighAvailabilityParts {
  instanceId: string;
  leases: PostgresCampaignLeases;
  inbox: PostgresUplinkInbox;
}

/** This instance's name in the leases: the configured one, or hostname:pid (unique on a host, new after a restart). */
export function instanceIdOf(config: FuotaConfig): string {
  return config.highAvailability.instanceId ?? `${os.hostname()}:${process.pid}`.slice(0, 64);
}

/**
 * The store's create/commit hooks, bound once the pool exists (the store makes the pool, the
 * leases run on it): `bind` must be called before the store's first create or commit.
 */
export function lateStoreOwnership(): { hooks: StoreOwnership; bind(parts: HighAvailabilityParts): void } {
  let parts: HighAvailabilityParts | undefined;
  const need = (): HighAvailabilityParts => {
    if (!parts) throw new Error('high availability: store used before its leases were bound');
    return parts;
  };
  return {
    hooks: {
      claimIn: (client, id) => need().leases.claimIn(client, id),
      fenceIn: (client, id) => need().leases.fenceIn(client, id),
      consumeIn: (client, key) => need().inbox.consumeIn(client, key),
    },
    bind: (p) => void (parts = p),
  };
}

export function highAvailabilityParts(config: FuotaConfig, pool: pg.Pool, store: { url: string; schema: string }): HighAvailabilityParts {
  const instanceId = instanceIdOf(config);
  return {
    instanceId,
    leases: new PostgresCampaignLeases({ pool, url: store.url, schema: store.schema, owner: instanceId, leaseMs: config.highAvailability.leaseMs }),
    inbox: new PostgresUplinkInbox({ pool, url: store.url, schema: store.schema }),
  };
}

/**
 * Each instance its own MQTT client id (`<clientId>-<instanceId>`): a broker disconnects the older
 * of two clients with one id, so two instances sharing one would take turns forever.
 */
export function withInstanceClientId(config: FuotaConfig, instanceId: string): FuotaConfig {
  const ns = config.networkServer;
  const networkServer = { ...ns, mqtt: { ...ns.mqtt, clientId: `${ns.mqtt.clientId}-${instanceId}` } } as typeof ns;
  return { ...config, networkServer };
}
