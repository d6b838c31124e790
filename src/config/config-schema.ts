import { z } from 'zod';
import { isRawPublicKeyHex, parsePublicKeyText } from '../manifest/public-key-text.js';
import { isRegionName, regionNames } from '../radio/regions.js';
import { statusTopicProblem } from '../status/status-topic.js';
import { DEFAULT_DEVICE_LOG_KEEP_ENTRIES, DEFAULT_DEVICE_LOG_MAX_AGE_DAYS } from '../store/device-log-retention.js';

// The configuration of `fuota serve` (config/fuota.yaml documents every key for operators).
// Pure: no file or environment access here. Secrets stay unresolved strings (`env:NAME` or a
// `…File` path); load-config.ts reads them. Every object is strict, so a misspelt key is an
// error instead of a silently ignored setting. Messages start with "expected …"; the loader
// adds the key path and what came.

/** ChirpStack's `[integration.mqtt]` defaults (chirpstack/src/integration/mqtt.rs). */
export const CHIRPSTACK_EVENT_TOPIC = 'application/{{application_id}}/device/{{dev_eui}}/event/{{event}}';
export const CHIRPSTACK_COMMAND_TOPIC = 'application/{{application_id}}/device/{{dev_eui}}/command/{{command}}';

export const DEFAULT_DEVICE_STATUS_TOPIC = 'fuota/campaigns/{campaign_id}/devices/{dev_eui}/status';
export const DEFAULT_CAMPAIGN_STATUS_TOPIC = 'fuota/campaigns/{campaign_id}/status';

/** Read by load-config.ts when neither the key nor its `…File` twin is set. */
export const MQTT_PASSWORD_ENV = 'FUOTA_MQTT_PASSWORD';
export const API_TOKEN_ENV = 'FUOTA_CHIRPSTACK_API_TOKEN';
export const TTS_API_KEY_ENV = 'FUOTA_TTS_API_KEY';

export type MqttProtocolVersion = '5' | '3.1.1';

const nonEmpty = (what: string) => z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);
const filePath = nonEmpty('a file path');
const positiveMs = (fallback: number) => z.number({ error: 'expected a duration in milliseconds' }).int('expected whole milliseconds').positive('expected a duration > 0 ms').default(fallback);

/** Where the service keeps its state when the config names no store (store.path's default). */
export const DEFAULT_STORE_PATH = '/var/lib/fuota/fuota.sqlite';
export const DEFAULT_STORE_SCHEMA = 'fuota';

/** postgres:// or postgresql:// (as libpq and node-postgres take it), with a host. */
const postgresUrl = z.string({ error: 'expected a postgres:// or postgresql:// URL' }).refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'expected a postgres://user:password@host:port/database URL');

const mqttUrl = z.string({ error: 'expected mqtt:// or mqtts:// URL' }).refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === 'mqtt:' || url.protocol === 'mqtts:') && url.hostname !== '';
  } catch {
    return false;
  }
}, 'expected mqtt:// or mqtts:// URL');

/** `host:port` as gRPC clients take it (IPv6 in brackets). */
const grpcAddress = z.string({ error: 'expected host:port' }).regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port');

/** 5 or "3.1.1" (YAML reads 3.1.1 as a string, 5 as a number: both forms are accepted). */
const protocolVersion = z
  .union([z.literal(5), z.literal('5'), z.literal('3.1.1')], { error: 'expected MQTT protocol version 5 or "3.1.1"' })
  .transform((v): MqttProtocolVersion => (v === 5 || v === '5' ? '5' : '3.1.1'))
  .default('5');

/** A ChirpStack Handlebars topic template holding every variable once or more, and no wildcards. */
const chirpstackTopic = (variables: readonly string[], fallback: string) =>
  z
    .string({ error: 'expected an MQTT topic template' })
    .refine(
      (t) => variables.every((v) => new RegExp(`\\{\\{\\s*${v}\\s*\\}\\}`).test(t)) && !/[#+]/.test(t),
      `expected a topic template with {{${variables.join('}}, {{')}}} and no MQTT wildcards`,
    )
    .default(fallback);

const statusTopic = (placeholders: readonly ('campaign_id' | 'dev_eui')[], fallback: string) =>
  z
    .string({ error: 'expected an MQTT topic template' })
    .superRefine((template, ctx) => {
      const problem = statusTopicProblem(template, placeholders);
      if (problem) ctx.addIssue({ code: 'custom', message: `expected ${problem}` });
    })
    .default(fallback);

const tlsFiles = z.strictObject({
  /** PEM CA bundle for the server's certificate; default: Node's bundled CAs. */
  caFile: filePath.optional(),
  /** PEM client certificate and key, for servers that require one (both or neither). */
  certFile: filePath.optional(),
  keyFile: filePath.optional(),
  /** false accepts any server certificate: for tests only. */
  rejectUnauthorized: z.boolean({ error: 'expected true or false' }).default(true),
});

const mqttSchema = z.strictObject({
  /** mqtt://host:1883 or mqtts://host:8883: the broker ChirpStack's MQTT integration publishes to. */
  url: mqttUrl.default('mqtt://localhost:1883'),
  /** Fixed, so the broker finds our persistent session (and queued QoS 1 events) after a restart. */
  clientId: nonEmpty('a client id').default('lorawan-fuota'),
  /** ChirpStack's own client speaks MQTT 5 only; brokers answer 3.1.1 clients too. */
  protocolVersion,
  /** QoS of our subscriptions and status publishes; 1 = at least once (ChirpStack must publish with qos = 1 too). */
  qos: z.union([z.literal(0), z.literal(1)], { error: 'expected QoS 0 or 1' }).default(1),
  /** false = persistent session: events published while we restart wait in the broker. */
  cleanSession: z.boolean({ error: 'expected true or false' }).default(false),
  /** MQTT 5: how long the broker keeps our session while we are away. */
  sessionExpiryS: z.number({ error: 'expected seconds' }).int('expected whole seconds').min(0, 'expected seconds ≥ 0').default(7 * 24 * 3600),
  /** MQTT keep-alive: the broker drops us after 1.5× this without traffic. */
  keepaliveS: z.number({ error: 'expected seconds' }).int('expected whole seconds').min(0, 'expected seconds ≥ 0').default(30),
  /** Broker user; with ChirpStack's generated client certificates, the application id. */
  username: nonEmpty('a user name').optional(),
  /** A literal, or `env:NAME`; default: $FUOTA_MQTT_PASSWORD when set, else no password. */
  password: nonEmpty('a password or env:NAME').optional(),
  /** A file holding the password (Docker/Kubernetes secrets); one trailing newline is dropped. */
  passwordFile: filePath.optional(),
  /** Omit for plain mqtt://; set (even `{}`) with an mqtts:// URL for TLS with client files. */
  tls: tlsFiles.optional(),
  /** ChirpStack `[integration.mqtt] event_topic` / `command_topic`. */
  eventTopic: chirpstackTopic(['application_id', 'dev_eui', 'event'], CHIRPSTACK_EVENT_TOPIC),
  commandTopic: chirpstackTopic(['application_id', 'dev_eui', 'command'], CHIRPSTACK_COMMAND_TOPIC),
  /** ChirpStack `[integration.mqtt] json`: true → json, false → protobuf. */
  format: z.enum(['json', 'protobuf'], { error: 'expected json or protobuf' }).default('json'),
});

const apiSchema = z.strictObject({
  /** ChirpStack's gRPC API (`[api] bind`, default 0.0.0.0:8080). */
  address: grpcAddress.default('localhost:8080'),
  /** Omit for plaintext gRPC; set (even `{}`) for TLS. */
  tls: tlsFiles.optional(),
  /** An API token (ChirpStack UI → API keys), literal or `env:NAME`; default: $FUOTA_CHIRPSTACK_API_TOKEN. */
  token: nonEmpty('an API token or env:NAME').optional(),
  /** A file holding the token (Docker/Kubernetes secrets); one trailing newline is dropped. */
  tokenFile: filePath.optional(),
});

const gatewayId = z.string({ error: 'expected a gateway id (16 hex digits)' }).regex(/^[0-9a-fA-F]{16}$/, 'expected a gateway id (16 hex digits)').transform((s) => s.toLowerCase());

const chirpstackSchema = z.strictObject({
  /** Which network server: ChirpStack v4 here, The Things Stack v3 in ttsSchema. */
  kind: z.literal('chirpstack', { error: 'expected network server kind "chirpstack" or "tts"' }),
  /**
   * The ChirpStack application holding the devices: a UUID (ChirpStack v4's application.id is a
   * UUID, api/proto/api/application.proto). `env:NAME` works: it is substituted before this schema.
   */
  applicationId: z.string({ error: 'expected a ChirpStack application id (UUID)' }).regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a ChirpStack application id (UUID)'),
  mqtt: mqttSchema.prefault({}),
  api: apiSchema.prefault({}),
  /** Gateways for multicast groups; empty = ChirpStack picks a minimal covering set. */
  gateways: z.array(gatewayId, { error: 'expected a list of gateway ids' }).default([]),
  /** A downlink with no txack (nor log event) after this is reported failed to the engine. */
  txAckTimeoutMs: positiveMs(60_000),
  /** How often to read a multicast group's queue (ChirpStack emits no events for multicast). */
  multicastQueuePollMs: positiveMs(10_000),
  /**
   * The ChirpStack version (e.g. "4.16.1"); unset = asked with InternalService.GetVersion. Class B
   * needs it (the field changed meaning at v4.8 and v4.13); v4.14+ turns on unicast expiry.
   */
  version: z
    .string({ error: 'expected a ChirpStack version like 4.16.1' })
    .regex(/^v?4\.\d+(\.\d+)?([-+].*)?$/, 'expected a ChirpStack v4 version like 4.16.1')
    .optional(),
  /** ChirpStack's `[network.scheduler] multicast_class_c_margin` (default 5s): campaigns plan class C frames with it. */
  multicastClassCMarginMs: z.number({ error: 'expected a number of ms' }).int('expected a whole number of ms').min(0, 'expected a number of ms ≥ 0').max(600_000, 'expected at most 600000 ms').default(5_000),
  /** A multicast item not sent this long after its planned time is dropped (ChirpStack v4.10+ expires_at). */
  multicastExpiresAfterMs: positiveMs(5 * 60_000),
  /**
   * An uplink's `time` is only a hint: older than this by our clock, or in the future, and the
   * engine times it by our clock instead (counted by reason; src/campaign/uplink-time.ts).
   */
  maxUplinkSkewMs: positiveMs(5 * 60_000),
});

/** A TTS identifier (application, tenant, gateway): lower-case letters, digits, single dashes (lorawan-stack identifiers.proto). */
const ttsId = (what: string) => z.string({ error: `expected ${what}` }).regex(/^[a-z0-9](?:-?[a-z0-9]){2,35}$/, `expected ${what} (3–36 lower-case letters, digits, single dashes)`);

const httpUrl = z.string({ error: 'expected an http:// or https:// URL' }).refine((text) => {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && (url.pathname === '/' || url.pathname === '');
  } catch {
    return false;
  }
}, 'expected an http:// or https:// URL without a path (the cluster, e.g. https://eu1.cloud.thethings.network)');

/** TTS's MQTT server (network-servers.md): MQTT 3.1.1, QoS 0 only, no persistent session. */
const ttsMqttSchema = z.strictObject({
  /** Default: the cluster's host, mqtts://HOST:8883 for an https cluster URL, mqtt://HOST:1883 for http. */
  url: mqttUrl.optional(),
  clientId: nonEmpty('a client id').default('lorawan-fuota'),
  keepaliveS: z.number({ error: 'expected seconds' }).int('expected whole seconds').min(0, 'expected seconds ≥ 0').default(30),
  /** Default `{applicationId}@{tenantId}` (or `{applicationId}` without a tenant), as TTS's MQTT server wants. */
  username: nonEmpty('a user name').optional(),
  /** Default: the API key (TTS's MQTT password is an API key of the application). */
  password: nonEmpty('a password or env:NAME').optional(),
  passwordFile: filePath.optional(),
  tls: tlsFiles.optional(),
});

const ttsPriority = z.enum(['LOWEST', 'LOW', 'BELOW_NORMAL', 'NORMAL', 'ABOVE_NORMAL', 'HIGH', 'HIGHEST'], { error: 'expected a TTS priority (LOWEST, LOW, BELOW_NORMAL, NORMAL, ABOVE_NORMAL, HIGH, HIGHEST)' });

/** The Things Stack v3 (TTN, TTS Cloud/Enterprise, open source): docs/deploy-tts.md. */
const ttsSchema = z.strictObject({
  kind: z.literal('tts', { error: 'expected network server kind "chirpstack" or "tts"' }),
  /** The cluster's HTTP API, e.g. https://eu1.cloud.thethings.network (the API is under /api/v3). */
  url: httpUrl,
  applicationId: ttsId('a TTS application id'),
  /** TTS Cloud / Enterprise tenant (TTN community: `ttn`); leave out for the open-source stack. */
  tenantId: ttsId('a TTS tenant id').optional(),
  /** An API key of the application (rights: docs/deploy-tts.md), literal or `env:NAME`; default $FUOTA_TTS_API_KEY. */
  apiKey: nonEmpty('an API key or env:NAME').optional(),
  apiKeyFile: filePath.optional(),
  mqtt: ttsMqttSchema.prefault({}),
  /** Frequency plan of the multicast devices we create (TTS's id, e.g. EU_863_870_TTN, US_902_928_FSB_2). */
  frequencyPlanId: z.string({ error: 'expected a TTS frequency plan id' }).regex(/^[A-Z0-9_]+$/, 'expected a TTS frequency plan id like EU_863_870_TTN').default('EU_863_870_TTN'),
  /** TTS gateway ids for multicast (class_b_c.gateways); empty = the fewest that heard the group's devices. */
  gateways: z.array(ttsId('a TTS gateway id'), { error: 'expected a list of gateway ids' }).default([]),
  /** The priority we send at; TTS's gateway server grants each priority a share of the duty cycle (NORMAL 70 %). */
  downlinkPriority: ttsPriority.default('NORMAL'),
  /** Unicast downlinks by MQTT down/push, or by the HTTP API (which answers errors at once). */
  downlinkVia: z.enum(['mqtt', 'http'], { error: 'expected mqtt or http' }).default('mqtt'),
  /** Class C multicast frames are pushed this long before their time, with class_b_c.absolute_time (TTS wants ≥ ~2.5 s ahead). */
  multicastPushLeadMs: z.number({ error: 'expected a number of ms' }).int('expected whole ms').min(3_000, 'expected at least 3000 ms (TTS refuses an absolute_time less than ~2.5 s ahead)').max(600_000, 'expected at most 600000 ms').default(10_000),
  /** false: push class C frames at their time without absolute_time (gateways without GPS or RTT estimate). */
  multicastAbsoluteTime: z.boolean({ error: 'expected true or false' }).default(true),
  /** TTS's `mac_settings.class_b_c_downlink_interval` (default 1 s): campaigns plan class C frames at least this far apart. */
  multicastClassCMarginMs: z.number({ error: 'expected a number of ms' }).int('expected a whole number of ms').min(0, 'expected a number of ms ≥ 0').max(600_000, 'expected at most 600000 ms').default(1_000),
  /** A unicast downlink with no down/sent or down/failed after this is reported failed to the engine. */
  txAckTimeoutMs: positiveMs(60_000),
  /** How often to read a multicast device's queue while draining it before deletion. */
  multicastQueuePollMs: positiveMs(10_000),
  /** A group's drain-then-delete ends this long after its last frame's time at the latest. */
  multicastExpiresAfterMs: positiveMs(5 * 60_000),
  maxUplinkSkewMs: positiveMs(5 * 60_000),
  /** At start, read uplinks missed while we were away from the Storage Integration (it must be enabled for the application). */
  readMissedUplinks: z.boolean({ error: 'expected true or false' }).default(false),
});

/**
 * A vendor's manifest-signing public key (docs/package-format.md, "Admission"): a package is
 * only admitted when its manifest verifies with a key of its vendor. A raw hex key is checked
 * here; a PEM file is read and checked by load-config.ts.
 */
const vendorKeySchema = z.strictObject({
  /** The vendor domain the manifest's vendor ID is derived from (UUIDv5, `example.com`), or that UUID. */
  vendor: nonEmpty('a vendor domain or UUID'),
  /** A PEM file path (SPKI), or the raw key as hex (130/128 digits P-256, 64 Ed25519). */
  publicKey: nonEmpty('a PEM file path or a raw public key in hex').superRefine((text, ctx) => {
    if (!isRawPublicKeyHex(text)) return;
    try {
      parsePublicKeyText(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `expected a valid public key (${(error as Error).message})` });
    }
  }),
  /** Device-class names (or UUIDs) this key may sign for; unset = any class of the vendor. */
  deviceClasses: z.array(nonEmpty('a device class name or UUID'), { error: 'expected a list of device class names' }).min(1, 'expected at least one device class (or leave the key out)').optional(),
});

const apiTokenSchema = z.union(
  [
    z.strictObject({ name: nonEmpty('a token name'), scope: z.enum(['read', 'admin'], { error: 'expected scope read or admin' }), tokenSha256: z.string({ error: 'expected 64 hex digits' }).regex(/^[0-9a-fA-F]{64}$/, 'expected the SHA-256 of the token, 64 hex digits') }),
    /** `token: env:NAME` (resolved by load-config.ts): the digest is taken at start, the token is never kept. */
    z.strictObject({ name: nonEmpty('a token name'), scope: z.enum(['read', 'admin'], { error: 'expected scope read or admin' }), token: nonEmpty('env:NAME holding the token') }),
  ],
  { error: 'expected { name, scope: read|admin, tokenSha256 } or { name, scope, token: env:NAME }' },
);

/** The operator API (REST, dashboard, metrics: docs/api.md). */
const operatorApiSchema = z.strictObject({
  /** host:port to serve on; unset = no API. */
  listen: grpcAddress.optional(),
  /** host:port for the gRPC API (proto/fuota_api.proto and chirpstack-fuota-server's service: docs/api.md "gRPC"); unset = no gRPC. */
  grpcListen: grpcAddress.optional(),
  /** Bearer tokens; `read` may GET, `admin` may do everything. */
  tokens: z.array(apiTokenSchema, { error: 'expected a list of tokens' }).default([]),
  /** Without tokens the API only starts on a loopback address, unless this is true. */
  allowAnonymous: z.boolean({ error: 'expected true or false' }).default(false),
  /** HTTPS with these PEM files (both). */
  tls: z.strictObject({ certFile: filePath, keyFile: filePath }).optional(),
  /** Largest request body (a base64 package is 4/3 of its size). */
  bodyLimitBytes: z.number({ error: 'expected a number of bytes' }).int('expected whole bytes').min(1024, 'expected at least 1024 bytes').max(256 * 1024 * 1024, 'expected at most 268435456 bytes').default(16 * 1024 * 1024),
});

export const configSchema = z.strictObject({
  /** Where campaigns, device states, logs and the command outbox are kept. */
  store: z
    .strictObject({
      /** SQLite database file (created on first start); `:memory:` keeps nothing across restarts. Default /var/lib/fuota/fuota.sqlite unless store.url is set. */
      path: filePath.optional(),
      /** PostgreSQL instead of the file: postgres://user:password@host:port/database (or `env:NAME`). Exactly one of path and url. */
      url: postgresUrl.optional(),
      /** With store.url: the schema the tables live in, created if missing. Default fuota. */
      schema: z.string({ error: 'expected a schema name' }).regex(/^[a-z_][a-z0-9_]{0,62}$/, 'expected a lower-case SQL identifier (letters, digits, _; at most 63)').optional(),
      /**
       * Device-log retention (src/store/device-log-retention.ts, docs/api.md "Device log"): each device keeps its newest
       * keepEntries entries that are also at most maxAgeDays older than its newest; older ones become one summary entry.
       */
      deviceLog: z
        .strictObject({
          keepEntries: z
            .number({ error: 'expected a number of entries' })
            .int('expected a whole number of entries')
            .min(10, 'expected at least 10 entries')
            .max(1_000_000, 'expected at most 1000000 entries')
            .default(DEFAULT_DEVICE_LOG_KEEP_ENTRIES),
          maxAgeDays: z.number({ error: 'expected a number of days' }).positive('expected more than 0 days').max(36_500, 'expected at most 36500 days').default(DEFAULT_DEVICE_LOG_MAX_AGE_DAYS),
        })
        .prefault({}),
    })
    .prefault({}),
  /** ChirpStack v4 (`kind: chirpstack`) or The Things Stack v3 (`kind: tts`). */
  networkServer: z.discriminatedUnion('kind', [chirpstackSchema, ttsSchema], {
    error: (issue) => (issue.input === undefined || issue.input === null ? 'expected a mapping of keys (kind: chirpstack or tts, …)' : 'expected "chirpstack" or "tts"'),
  }),
  /** Status messages (proto/fuota_status.proto) on the network server's MQTT broker after each change. */
  statusEvents: z
    .strictObject({
      /** Default: true on ChirpStack; off on TTS (its MQTT server takes only its own topics). */
      enabled: z.boolean({ error: 'expected true or false' }).optional(),
      /** One topic per device ({campaign_id}, {dev_eui}: lower-case hex). */
      deviceTopic: statusTopic(['campaign_id', 'dev_eui'], DEFAULT_DEVICE_STATUS_TOPIC),
      /** One topic per campaign. */
      campaignTopic: statusTopic(['campaign_id'], DEFAULT_CAMPAIGN_STATUS_TOPIC),
      /** json: proto3 JSON of the same messages; protobuf: proto/fuota_status.proto binary. */
      format: z.enum(['json', 'protobuf'], { error: 'expected json or protobuf' }).default('json'),
      /** Retained: a dashboard that subscribes later sees each device's last status at once. */
      retain: z.boolean({ error: 'expected true or false' }).default(true),
    })
    .prefault({}),
  logging: z
    .strictObject({
      /** pino level; logs are JSON lines on stdout. */
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'expected a pino level (fatal, error, warn, info, debug, trace, silent)' }).default('info'),
    })
    .prefault({}),
  /** Where `fuota serve` finds campaigns, and what they default to. */
  campaigns: z
    .strictObject({
      /** Campaign spec files (JSON/YAML) to create on start; unset = campaigns come only through the CLI. */
      directory: filePath.optional(),
      /** Keys packages must verify with; none = every package is refused (docs/package-format.md, "Admission"). */
      vendorKeys: z.array(vendorKeySchema, { error: 'expected a list of { vendor, publicKey }' }).default([]),
      /** Filled into a campaign spec that does not say them. */
      defaults: z
        .strictObject({
          /** The multicast's region (src/radio/regions.ts names). */
          region: z
            .string({ error: 'expected a region name' })
            .refine((r) => isRegionName(r), `expected one of ${regionNames().join(', ')}`)
            .default('EU868'),
          /** The multicast's data rate. */
          dr: z.number({ error: 'expected a data rate' }).int('expected a whole data rate').min(0, 'expected a data rate 0..15').max(15, 'expected a data rate 0..15').default(5),
          /** Share (0..1] of each sub-band's duty-cycle allowance FUOTA may use. */
          /** Default: 0.5 on ChirpStack; on TTS the share its gateway server grants networkServer.downlinkPriority (NORMAL 0.7). */
          budgetShare: z.number({ error: 'expected a share in (0, 1]' }).gt(0, 'expected a share in (0, 1]').max(1, 'expected a share in (0, 1]').optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  /** The operator API: REST under /api/v1, the dashboard, /metrics (docs/api.md). */
  api: operatorApiSchema.prefault({}),
  /** Several instances on one PostgreSQL store and one broker (docs/high-availability.md). */
  highAvailability: z
    .strictObject({
      /** Campaigns are owned through leases in the store; needs store.url. */
      enabled: z.boolean({ error: 'expected true or false' }).default(false),
      /** This instance's name in the leases; default hostname:pid. Keep it stable across restarts and a restarted instance takes its campaigns back at once. */
      instanceId: z.string({ error: 'expected a name' }).regex(/^[A-Za-z0-9._:-]{1,64}$/, 'expected 1 to 64 letters, digits, ".", "_", ":" or "-"').optional(),
      /** How long a campaign's lease runs unrenewed: the longest a dead instance's campaigns wait for another. */
      leaseMs: z.number({ error: 'expected a number of ms' }).int('expected a whole number of ms').min(1_000, 'expected at least 1000 ms').max(600_000, 'expected at most 600000 ms').default(30_000),
      /** How often the shared uplink inbox is read. */
      inboxPollMs: z.number({ error: 'expected a number of ms' }).int('expected a whole number of ms').min(50, 'expected at least 50 ms').max(60_000, 'expected at most 60000 ms').default(500),
    })
    .prefault({}),
});

/** The file as validated, defaults filled in, secrets not yet resolved. */
export type ConfigFile = z.output<typeof configSchema>;
export type ConfigFileInput = z.input<typeof configSchema>;
export type TlsFiles = z.output<typeof tlsFiles>;
export type OperatorApiConfig = z.output<typeof operatorApiSchema>;
export type TtsPriorityName = z.output<typeof ttsPriority>;

/** MQTT protocol level for mqtt.js (`protocolVersion` option): 3.1.1 is level 4. */
export function mqttProtocolLevel(version: MqttProtocolVersion): 4 | 5 {
  return version === '5' ? 5 : 4;
}
