import type { Duplex } from 'node:stream';
import mqtt, { MqttClient, type IClientOptions, type IConnackPacket, type IPublishPacket } from 'mqtt';
import { CallerError, PeerError, type FuotaError } from '../../core/errors.js';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { connectError, safeUrl } from './connect-errors.js';

// One MQTT connection for a long-running service, over mqtt.js 5. What it adds:
// - connect() resolves on CONNACK or rejects with a FuotaError that says what to fix;
// - a persistent session by default (clean false; MQTT 5 also needs a session expiry interval,
//   MQTT 5 §3.1.2.11), so QoS 1 messages published while we are away wait in the broker;
// - our own reconnect loop with capped exponential back-off (mqtt.js only has a fixed period),
//   reusing mqtt.js's message stores so QoS 1 publishes made while offline are sent on return;
// - re-subscription when the broker lost the session (CONNACK sessionPresent = false), as
//   ChirpStack's own client does (mqtt.rs: "no guarantee that the MQTT persisted the session");
// - PUBACK for a received QoS 1 message only after every handler settled, so a crash while
//   handling means redelivery, not loss (mqtt.js handleMessage hook);
// - messages handled concurrently (issue #17): the next message is read while the ones before
//   are still being handled (the engine commits them together), PUBACKs still go out in the
//   order the messages came (MQTT 5 §4.6), each once its own handlers settled;
// - back-pressure: at most `maxInFlight` messages in hand (the MQTT 5 Receive Maximum we ask
//   the broker for, §3.1.2.11.3); past it we stop reading the socket, so TCP pushes back and the
//   broker queues (docs/deploy-chirpstack.md "Broker settings" says how big that queue must be);
// - a handler that answers 'redeliver' (the uplink was not committed) gets no PUBACK: the
//   connection is dropped and resumed, and the broker sends the message again (DUP).

export type MqttProtocolVersion = 4 | 5;
export type MqttQos = 0 | 1;

export interface MqttTlsOptions {
  /** PEM of the CA(s) that sign the broker's certificate; default: Node's bundled CAs. */
  ca?: string;
  /** PEM client certificate and key, for brokers that require one. */
  cert?: string;
  key?: string;
  /** Default true; false accepts any certificate (tests only). */
  rejectUnauthorized?: boolean;
}

export interface MqttConnectionOptions {
  /** mqtt://host:port or mqtts://host:port. */
  url: string;
  /** Fixed, so the broker finds our session again. */
  clientId: string;
  /** Default false: a persistent session. */
  clean?: boolean;
  /** 5 (default) or 4 (MQTT 3.1.1). */
  protocolVersion?: MqttProtocolVersion;
  /** MQTT 5 only: how long the broker keeps our session while we are away. Default 7 days. */
  sessionExpiryS?: number;
  username?: string;
  password?: string;
  tls?: MqttTlsOptions;
  /** Default 30 s. */
  keepaliveS?: number;
  /** Time to wait for CONNACK. Default 10 s. */
  connectTimeoutMs?: number;
  reconnect?: Partial<BackoffOptions>;
  /** Sees the traffic (the demo's accelerated time waits for messages still in flight). */
  observer?: MqttTrafficObserver;
  /**
   * Most received messages in hand (handled or waiting for their PUBACK's turn); past it the
   * socket is not read. MQTT 5: also the Receive Maximum asked of the broker. Default 1 000.
   */
  maxInFlight?: number;
  /**
   * Default false. True: the packets written during one turn of the event loop (publishes,
   * PUBACKs) go out in one socket write in the turn's check phase (setImmediate), not one write
   * each (mqtt-packet corks only until the next tick). Same bytes, same order; fewer
   * system calls and wake-ups of the broker (the demo's simulated wire waits on each: issue #17).
   */
  coalesceWrites?: boolean;
  /**
   * Default: dial `url`. Given: each (re)connect speaks MQTT over the stream this returns instead
   * (EmbeddedBroker.connectInMemory: a client in the broker's own thread); `url` then only names
   * the broker in messages.
   */
  stream?: () => Duplex;
}

/** Told of every granted subscription, every publish handed to the client and every received message once all handlers settled. */
export interface MqttTrafficObserver {
  subscribed(filter: string): void;
  published(topic: string): void;
  handled(topic: string): void;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** On reconnecting: why the connection was lost (MQTT_CONNECTION_LOST) or the last attempt failed (a connect error). */
  error?: FuotaError;
  /** On connected: the broker still had our session. */
  sessionPresent?: boolean;
  /** On reconnecting: when the next attempt starts. */
  retryInMs?: number;
}

export interface ReceivedMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** The broker may have delivered it before (QoS 1 is at least once). */
  duplicate: boolean;
}

/**
 * 'redeliver': the message was not taken (e.g. its uplink not committed): it gets no PUBACK and
 * the connection is resumed so that the broker delivers it again. Anything else: acknowledged.
 */
export type MessageVerdict = void | 'redeliver';
export type MessageHandler = (message: ReceivedMessage) => MessageVerdict | Promise<MessageVerdict>;
export type StateListener = (change: StateChange) => void;
export type HandlerErrorListener = (error: unknown, message: ReceivedMessage) => void;

const DEFAULT_SESSION_EXPIRY_S = 7 * 24 * 3600;
const DEFAULT_MAX_IN_FLIGHT = 1_000;

/**
 * Passed to mqtt.js's handleMessage callback: its QoS 1 path then sends no PUBACK and reads the
 * next packet at once (mqtt.js 5.16 handlers/publish.js: `if (err) return done(err)`, and its
 * packet pump ignores the argument). We send the PUBACK ourselves, in order, once handled.
 */
const ACK_LATER = new Error('PUBACK sent by MqttConnection once the message is handled');

/** A received message in hand, in arrival order. */
interface InHand {
  message: ReceivedMessage;
  /** The QoS 1 packet id to acknowledge (undefined: QoS 0, nothing to send). */
  messageId: number | undefined;
  /** The connection it came on (a PUBACK never goes to a later connection: the broker redelivers there). */
  generation: number;
  verdict?: 'ack' | 'redeliver';
}

function lostError(url: string, error: Error | undefined, retryInMs: number): FuotaError {
  const why = error === undefined ? 'the broker closed it' : error.message;
  return new PeerError('MQTT_CONNECTION_LOST', `MQTT connection to ${safeUrl(url)} lost (${why}): expected it to stay up; reconnecting in ${retryInMs} ms`, { cause: error });
}

/**
 * A QoS 0 publish on a connection mqtt.js counts as up. mqtt.js (5.16, client _writePacket)
 * calls back once the packet is written, or on the socket's next 'drain' when the write was
 * refused; a socket the broker has already ended (its FIN read, its 'close' not yet emitted, so
 * mqtt.js still counts it connected) refuses the write and never drains: that callback never
 * comes. The connection's close settles it instead (the message is lost, as QoS 0 may be), so
 * that a caller waiting on it, e.g. TtsUnicast's per-device push chain, is not held for ever.
 */
function publishUntilClosed(client: MqttClient, topic: string, body: Buffer, retain: boolean): Promise<void> {
  const waiting = unwrittenOf(client);
  return new Promise((resolve, reject) => {
    const onClose = (): void => reject(new Error('the connection closed before the message was written (lost)'));
    waiting.add(onClose);
    client.publish(topic, body, { qos: 0, retain }, (error) => {
      waiting.delete(onClose);
      if (error) reject(error);
      else resolve();
    });
  });
}

/**
 * Per client, the QoS 0 publishes not written yet, settled by ONE 'close' listener: a listener per
 * publish passed EventEmitter's default limit of 10 whenever a turn held more than eight TTS pushes
 * (writes corked until the turn ends, coalesceWrites), and Node printed MaxListenersExceededWarning
 * on every `demo --network tts` run (issue #17).
 */
const unwritten = new WeakMap<MqttClient, Set<() => void>>();

function unwrittenOf(client: MqttClient): Set<() => void> {
  let waiting = unwritten.get(client);
  if (waiting === undefined) {
    const set = new Set<() => void>();
    client.on('close', () => {
      const lost = [...set];
      set.clear();
      for (const settle of lost) settle();
    });
    unwritten.set(client, (waiting = set));
  }
  return waiting;
}

export class MqttConnection {
  private client: MqttClient | undefined;
  private currentState: ConnectionState = 'idle';
  private readonly handlers = new Set<MessageHandler>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly handlerErrorListeners = new Set<HandlerErrorListener>();
  /** Filters we subscribed to, with their QoS, for re-subscription. */
  private readonly subscriptions = new Map<string, MqttQos>();
  private readonly backoff: BackoffOptions;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  /** The last error mqtt.js emitted since the last connect or loss. */
  private lastError: Error | undefined;
  /** The connection was up until the current loss (else: a reconnect attempt failed). */
  private connected = false;
  /** Received messages in arrival order, until acknowledged (or dropped for redelivery). */
  private readonly inHand: InHand[] = [];
  /** Counts connections: messages of an earlier one are never acknowledged on a later one. */
  private generation = 0;
  /** mqtt.js's packet pump, held while `maxInFlight` messages are in hand (the socket is not read). */
  private pausedPump: (() => void) | undefined;
  /** A reconnect for redelivery is on its way. */
  private redelivering = false;
  private readonly maxInFlight: number;
  /** The socket corked until the turn's check phase (coalesceWrites). */
  private corked: { uncork(): void } | undefined;

  constructor(private readonly options: MqttConnectionOptions) {
    const scheme = /^(mqtts?):\/\//.exec(options.url)?.[1];
    if (scheme === undefined) {
      throw new CallerError('MQTT_URL_INVALID', `MQTT url: expected mqtt://host:port or mqtts://host:port, got ${JSON.stringify(safeUrl(options.url))}`);
    }
    if (options.clientId === '') throw new CallerError('MQTT_CLIENT_ID_MISSING', 'MQTT clientId: expected a fixed, non-empty client id (the persistent session is keyed by it), got ""');
    this.backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isSafeInteger(this.maxInFlight) || this.maxInFlight < 1 || this.maxInFlight > 65_535) {
      throw new CallerError('MQTT_OPTION_INVALID', `MqttConnection maxInFlight: expected an integer from 1 to 65535 (MQTT 5 Receive Maximum), got ${this.maxInFlight}`);
    }
  }

  /** Received messages in hand now (handled or waiting for their PUBACK's turn). */
  get messagesInHand(): number {
    return this.inHand.length;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Register before connect(): a persistent session delivers queued messages right after CONNACK. */
  onMessage(handler: MessageHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** A handler threw or rejected; the message was acknowledged anyway (it would block the stream; a handler that wants it again answers 'redeliver'). */
  onHandlerError(listener: HandlerErrorListener): () => void {
    this.handlerErrorListeners.add(listener);
    return () => this.handlerErrorListeners.delete(listener);
  }

  /** Connects once; rejects with a FuotaError if that first attempt fails (no retry: a wrong setting should stop start-up). */
  async connect(): Promise<{ sessionPresent: boolean }> {
    if (this.currentState !== 'idle') {
      throw new CallerError('MQTT_ALREADY_STARTED', `MqttConnection.connect: expected state idle, got ${this.currentState}`);
    }
    const stream = this.options.stream;
    const client = stream === undefined ? mqtt.connect(this.options.url, this.clientOptions()) : new MqttClient(() => stream(), this.clientOptions());
    this.client = client;
    client.handleMessage = (packet, done) => this.dispatch(packet, done);
    client.on('error', (error) => {
      this.lastError = error;
    });
    // Messages of the closed connection are not acknowledged any more: the broker redelivers them.
    client.on('close', () => this.connectionClosed());
    // mqtt.js leaves Nagle on: a small publish then waits for the ACK of the one before (up to
    // 40 ms with delayed ACKs). Each (re)connect makes a new socket.
    client.on('connect', () => (client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true));
    this.setState({ state: 'connecting' });
    const connack = await new Promise<IConnackPacket>((resolve, reject) => {
      const onConnect = (packet: IConnackPacket): void => {
        client.off('close', onClose);
        this.connected = true;
        // From now on a loss means: reconnect with back-off.
        client.on('connect', (next) => this.onReconnected(next));
        client.on('close', () => this.onLost());
        resolve(packet);
      };
      const onClose = (): void => {
        client.off('connect', onConnect);
        const error = connectError(this.options.url, this.lastError);
        client.end(true);
        if (this.currentState !== 'closed') this.setState({ state: 'closed', error });
        reject(error);
      };
      client.once('connect', onConnect);
      client.once('close', onClose);
    });
    this.lastError = undefined;
    this.setState({ state: 'connected', sessionPresent: connack.sessionPresent });
    return { sessionPresent: connack.sessionPresent };
  }

  /** Subscribes and waits for SUBACK; refused filters are an error. Remembered for re-subscription. */
  async subscribe(filter: string, qos: MqttQos = 1): Promise<void> {
    const client = this.requireClient('subscribe');
    this.subscriptions.set(filter, qos);
    const refused = (got: string, cause?: unknown): PeerError => {
      this.subscriptions.delete(filter);
      return new PeerError('MQTT_SUBSCRIBE_REFUSED', `MQTT broker ${safeUrl(this.options.url)} refused the subscription to ${JSON.stringify(filter)}: expected QoS ${qos} granted, got ${got}`, { cause });
    };
    let granted: Array<{ qos: number }>;
    try {
      granted = await client.subscribeAsync(filter, { qos });
    } catch (error) {
      throw refused((error as Error).message, error);
    }
    const failure = granted.find((g) => g.qos > 2);
    if (failure !== undefined) throw refused(`SUBACK code ${failure.qos}`);
    this.options.observer?.subscribed(filter);
  }

  async unsubscribe(filter: string): Promise<void> {
    const client = this.requireClient('unsubscribe');
    this.subscriptions.delete(filter);
    await client.unsubscribeAsync(filter);
  }

  /**
   * Publishes; with QoS 1 resolves on PUBACK, with QoS 0 once written. While reconnecting the
   * message waits in mqtt.js's store and goes out after the reconnect (the promise resolves then).
   * A QoS 0 message written onto a connection that closes before the write completed is lost: the
   * promise rejects (MQTT_PUBLISH_FAILED) instead of waiting for ever.
   *
   * Caution: a received message is acknowledged (and the next packet read, PUBACKs included)
   * only after every handler has finished, so awaiting this from inside a message handler
   * deadlocks. Publish from a handler without awaiting (ChirpstackNetworkServer.sendUnicast
   * relies on ChirpStack's txack instead).
   */
  async publish(topic: string, payload: Uint8Array | string, options: { qos?: MqttQos; retain?: boolean } = {}): Promise<void> {
    const client = this.requireClient('publish');
    const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    this.options.observer?.published(topic);
    const qos = options.qos ?? 1;
    const retain = options.retain ?? false;
    this.corkForTurn();
    try {
      if (qos === 0 && client.connected) await publishUntilClosed(client, topic, body, retain);
      else await client.publishAsync(topic, body, { qos, retain });
    } catch (error) {
      throw new PeerError('MQTT_PUBLISH_FAILED', `MQTT publish to ${JSON.stringify(topic)} at ${safeUrl(this.options.url)}: expected ${qos === 0 ? 'it written' : 'PUBACK'}, got ${(error as Error).message}`, { cause: error });
    }
  }

  /** Disconnects cleanly (DISCONNECT; the session stays on the broker), waiting at most `timeoutMs` for in-flight publishes. */
  async close(timeoutMs = 5000): Promise<void> {
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (client === undefined || this.currentState === 'closed') {
      this.currentState = 'closed';
      return;
    }
    this.setState({ state: 'closed' });
    if (!client.connected) {
      await client.endAsync(true);
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => client.end(true, {}, () => resolve()), timeoutMs);
    });
    await Promise.race([client.endAsync(false), forced]);
    clearTimeout(timer);
  }

  private clientOptions(): IClientOptions {
    const o = this.options;
    const version = o.protocolVersion ?? 5;
    const clean = o.clean ?? false;
    return {
      clientId: o.clientId,
      clean,
      protocolVersion: version,
      ...(version === 5
        ? { properties: { receiveMaximum: this.maxInFlight, ...(clean ? {} : { sessionExpiryInterval: o.sessionExpiryS ?? DEFAULT_SESSION_EXPIRY_S }) } }
        : {}),
      ...(o.username === undefined ? {} : { username: o.username }),
      ...(o.password === undefined ? {} : { password: o.password }),
      ...(o.tls?.ca === undefined ? {} : { ca: o.tls.ca }),
      ...(o.tls?.cert === undefined ? {} : { cert: o.tls.cert }),
      ...(o.tls?.key === undefined ? {} : { key: o.tls.key }),
      rejectUnauthorized: o.tls?.rejectUnauthorized ?? true,
      keepalive: o.keepaliveS ?? 30,
      connectTimeout: o.connectTimeoutMs ?? 10_000,
      // Our loop reconnects (with back-off); mqtt.js's would retry at a fixed period.
      reconnectPeriod: 0,
      resubscribe: false,
    };
  }

  private requireClient(operation: string): MqttClient {
    if (this.client === undefined || this.currentState === 'idle' || this.currentState === 'closed') {
      throw new CallerError('MQTT_NOT_CONNECTED', `MqttConnection.${operation}: expected a started connection, got state ${this.currentState}`);
    }
    return this.client;
  }

  private dispatch(packet: IPublishPacket, done: (error?: Error) => void): void {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const message: ReceivedMessage = {
      topic: packet.topic,
      payload: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
      qos: packet.qos,
      retain: packet.retain,
      duplicate: packet.dup,
    };
    const entry: InHand = { message, messageId: packet.qos === 1 ? packet.messageId : undefined, generation: this.generation };
    this.inHand.push(entry);
    if (this.handlers.size === 1) {
      // The service's case (one adapter): one promise per message, not a map, an allSettled and its result objects (issue #17).
      const [handler] = this.handlers;
      let run: Promise<MessageVerdict>;
      try {
        run = Promise.resolve(handler!(message));
      } catch (error) {
        run = Promise.reject(error);
      }
      run.then(
        (verdict) => this.handled(entry, verdict === 'redeliver' ? 'redeliver' : 'ack'),
        (error: unknown) => {
          for (const listener of this.handlerErrorListeners) listener(error, message);
          this.handled(entry, 'ack');
        },
      );
    } else {
      const runs = [...this.handlers].map(async (handler) => handler(message));
      void Promise.allSettled(runs).then((results) => {
        let verdict: 'ack' | 'redeliver' = 'ack';
        for (const result of results) {
          if (result.status === 'rejected') for (const listener of this.handlerErrorListeners) listener(result.reason, message);
          else if (result.value === 'redeliver') verdict = 'redeliver';
        }
        this.handled(entry, verdict);
      });
    }
    // Read the next packet now, unless the hand is full: then once it is not (TCP back-pressure meanwhile).
    if (this.inHand.length >= this.maxInFlight) this.pausedPump = () => done(ACK_LATER);
    else done(ACK_LATER);
  }

  /** Every handler of the message settled: its PUBACK may go once those before it went. */
  private handled(entry: InHand, verdict: 'ack' | 'redeliver'): void {
    entry.verdict = verdict;
    this.options.observer?.handled(entry.message.topic);
    this.release();
  }

  /** Acknowledges the handled messages at the head, in arrival order; resumes the pump below the bound. */
  private release(): void {
    let redeliver = 0;
    let acks: number[] | undefined;
    while (this.inHand.length > 0 && this.inHand[0]!.verdict !== undefined) {
      const entry = this.inHand.shift()!;
      if (entry.generation !== this.generation) continue;
      if (entry.verdict === 'redeliver') redeliver++;
      else if (entry.messageId !== undefined && this.client?.connected) (acks ??= []).push(entry.messageId);
    }
    if (acks !== undefined) this.puback(acks);
    if (redeliver > 0) this.dropForRedelivery(redeliver);
    if (this.pausedPump && this.inHand.length < this.maxInFlight) {
      const pump = this.pausedPump;
      this.pausedPump = undefined;
      pump();
    }
  }

  /**
   * The PUBACKs of the messages released together, in order, in one write of 4 bytes each: type
   * 0x40, remaining length 2, the packet id (MQTT 3.1.1 §3.4; MQTT 5 §3.4.2.1: the reason code and
   * properties may be left out when the reason is 0x00 Success and there are none). A group commit
   * releases hundreds at once; mqtt.js would build, encode and write each alone (issue #17). mqtt.js
   * keeps no state for a QoS 1 PUBACK it sends (handlers/publish.js), and its packet writer writes
   * each packet whole in one call, so this write never lands inside one of its packets.
   */
  private puback(messageIds: readonly number[]): void {
    const bytes = Buffer.allocUnsafe(4 * messageIds.length);
    for (let i = 0; i < messageIds.length; i++) {
      const id = messageIds[i]!;
      bytes[4 * i] = 0x40;
      bytes[4 * i + 1] = 2;
      bytes[4 * i + 2] = id >> 8;
      bytes[4 * i + 3] = id & 0xff;
    }
    this.corkForTurn();
    this.client!.stream.write(bytes);
  }

  /** coalesceWrites: corks the socket at the turn's first write; the check phase writes it all at once. */
  private corkForTurn(): void {
    if (!this.options.coalesceWrites || this.corked !== undefined) return;
    const stream = this.client?.stream as { cork?: () => void; uncork(): void } | undefined;
    if (stream?.cork === undefined) return;
    stream.cork();
    this.corked = stream;
    setImmediate(() => {
      this.corked = undefined;
      stream.uncork();
    });
  }

  /**
   * MQTT has no negative acknowledgement: a QoS 1 message without PUBACK stays in the broker's
   * session, in flight, and is sent again (DUP) when the session resumes (MQTT 5 §4.4). So the
   * connection is dropped, and resumed with the usual back-off.
   */
  private dropForRedelivery(count: number): void {
    if (this.redelivering || this.currentState !== 'connected' || this.client === undefined) return;
    this.redelivering = true;
    this.lastError = new Error(`dropped by us so that the broker redelivers ${count} message(s) not taken (their handler answered 'redeliver')`);
    // end, not destroy: the PUBACKs just written for the messages that were taken go out first.
    this.client.stream.end();
  }

  private connectionClosed(): void {
    this.generation += 1;
    this.redelivering = false;
    // What is in hand came on the closed connection: its PUBACKs will never be sent.
    const stale = this.inHand.filter((entry) => entry.verdict === undefined);
    this.inHand.length = 0;
    this.inHand.push(...stale);
    const pump = this.pausedPump;
    this.pausedPump = undefined;
    pump?.();
  }

  private onLost(): void {
    if (this.currentState === 'closed') return;
    const retryInMs = backoffDelayMs(this.attempt, this.backoff);
    const error = this.connected ? lostError(this.options.url, this.lastError, retryInMs) : connectError(this.options.url, this.lastError);
    this.connected = false;
    this.lastError = undefined;
    this.attempt += 1;
    this.setState({ state: 'reconnecting', retryInMs, error });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      const client = this.client;
      if (client === undefined || this.currentState === 'closed') return;
      // Keep the stores: they hold QoS 1 publishes not yet acknowledged (mqtt.js reconnect()
      // without them would start empty and never settle those publishes).
      client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, retryInMs);
  }

  private onReconnected(connack: IConnackPacket): void {
    if (this.currentState === 'closed') return;
    this.attempt = 0;
    this.lastError = undefined;
    this.connected = true;
    this.setState({ state: 'connected', sessionPresent: connack.sessionPresent });
    if (!connack.sessionPresent && this.subscriptions.size > 0 && this.client !== undefined) {
      const map = Object.fromEntries([...this.subscriptions].map(([filter, qos]) => [filter, { qos }]));
      this.client.subscribe(map, (error, granted) => {
        if (error) this.lastError = error;
        // The observer hears of each re-granted filter too: until then messages to it are lost.
        else for (const grant of granted ?? []) if (grant.qos <= 2) this.options.observer?.subscribed(grant.topic);
      });
    }
  }

  private setState(change: StateChange): void {
    this.currentState = change.state;
    for (const listener of this.stateListeners) listener(change);
  }
}
