import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../core/module-worker.js';
import { InternalError, PeerError } from '../../core/errors.js';
import type { MqttTrafficObserver } from '../../lns/mqtt/mqtt-connection.js';
import type { SimChirpstackEncoding, SimChirpstackEvent } from './sim-chirpstack-events.js';
import { DEFAULT_TENANCY, type SimChirpstackTenancy } from './sim-chirpstack-integration.js';
import type { SimChirpstackLink, SimLinkCommand } from './sim-chirpstack-link.js';
import { SimChirpstackTopics, type SimTopicTemplates } from './sim-chirpstack-topics.js';
import { Batch, type FromSimWorker, type SimWorkerData, type SimWorkerError, type SimWorkerEvent, type ToSimWorker } from './sim-chirpstack-worker-protocol.js';

// The demo's embedded MQTT broker and the simulated ChirpStack's MQTT link in a worker thread
// (sim-chirpstack-worker-main.ts), so that they run on the second core beside the service (issue
// #17: at 10 000 devices the broker, the event encoding and that side's MQTT client were about a
// third of the one busy core). Only the wire work moves: the simulation (clock, fleet, device
// queue, counters) stays in the main thread and sends the events in the order it makes them, so
// the same seed gives the same run. Each event reaches our adapter over one MQTT connection and
// the broker, in that order, as before; the main thread counts what it hands the worker and the
// commands it handles (`observer`: WireTraffic), so simulated time waits for them as for any
// message of the world. The demo's status watcher, a client that only counts, runs there too
// (watch()).

export interface SimChirpstackWorkerOptions {
  applicationId: string;
  encoding: SimChirpstackEncoding;
  tenancy?: Partial<SimChirpstackTenancy>;
  topics?: SimTopicTemplates;
  /** Sees the link's traffic as an MqttConnection's observer would. */
  observer?: MqttTrafficObserver;
}

function fromWorker(error: SimWorkerError): Error {
  return new PeerError('SIM_CHIRPSTACK_WORKER', error.message, error.code === undefined ? {} : { cause: error.code });
}

export class SimChirpstackWorker {
  readonly link: SimChirpstackLink;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly waiting = new Map<FromSimWorker['type'], (message: FromSimWorker) => void>();
  private nextId = 0;
  private onWatched: (count: number) => void = () => {};
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly options: SimChirpstackWorkerOptions,
    private onCommand: (command: SimLinkCommand) => void = () => {},
  ) {
    const topics = new SimChirpstackTopics(options.topics);
    const events = new Batch<SimWorkerEvent>((batch) => this.send({ type: 'events', events: batch }));
    worker.on('message', (message: FromSimWorker) => this.receive(message));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new InternalError('SIM_CHIRPSTACK_WORKER_EXITED', `simulated ChirpStack worker: expected it to run until closed, got exit code ${code}`)));
    this.link = {
      start: async (onCommand) => {
        this.onCommand = onCommand;
        const started = await this.request({ type: 'start-link' }, 'link-started');
        if (started.type === 'link-started') options.observer?.subscribed(started.filter);
      },
      publish: (event: SimChirpstackEvent, nowMs: number) => {
        if (this.failure) return Promise.reject(this.failure);
        const topic = topics.eventTopic(event.applicationId, event.devEui, event.kind);
        const id = this.nextId++;
        options.observer?.published(topic);
        // A structured clone copies a typed array's whole buffer: an uplink's payload may be a
        // view into a large one (Node's Buffer pool; Buffer's slice() is a view too), so it crosses as
        // a copy of its bytes.
        events.push({ id, topic, event: event.kind === 'up' ? { ...event, data: new Uint8Array(event.data) } : event, nowMs });
        return new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      },
      stop: async () => {
        if (!this.failure) await this.request({ type: 'stop-link' }, 'link-stopped');
      },
    };
  }

  /** Starts the worker and its broker; the link is not started yet (SimChirpstackMqtt.start does). */
  static async start(options: SimChirpstackWorkerOptions): Promise<{ worker: SimChirpstackWorker; brokerUrl: string }> {
    const workerData: SimWorkerData = { applicationId: options.applicationId, encoding: options.encoding, tenancy: { ...DEFAULT_TENANCY, ...options.tenancy }, topics: options.topics ?? {} };
    const sim = new SimChirpstackWorker(startModuleWorker(import.meta.url, 'sim-chirpstack-worker-main', { workerData }), options);
    try {
      const ready = await sim.wait('broker');
      if (ready.type !== 'broker') throw new InternalError('SIM_CHIRPSTACK_WORKER', `expected the broker's port, got ${ready.type}`);
      return { worker: sim, brokerUrl: `mqtt://127.0.0.1:${ready.port}` };
    } catch (error) {
      await sim.worker.terminate();
      throw error;
    }
  }

  /**
   * Subscribes a client in the worker to `filter` that only counts what it receives: `onReceived`
   * gets the counts, `observer` (WireTraffic) sees the subscription and each message handled.
   */
  async watch(filter: string, observer: MqttTrafficObserver | undefined, onReceived: (count: number) => void): Promise<void> {
    this.onWatched = (count) => {
      onReceived(count);
      for (let i = 0; i < count; i++) observer?.handled(filter);
    };
    await this.request({ type: 'watch', filter }, 'watching');
    observer?.subscribed(filter);
  }

  /** Closes the watcher and the broker (every client's connection with it) and ends the worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.failure) await this.request({ type: 'close' }, 'closed').catch(() => undefined);
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private send(message: ToSimWorker): void {
    this.worker.postMessage(message);
  }

  private request(message: ToSimWorker, reply: FromSimWorker['type']): Promise<FromSimWorker> {
    const answer = this.wait(reply);
    this.send(message);
    return answer;
  }

  private wait(type: FromSimWorker['type']): Promise<FromSimWorker> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(type, resolve);
      this.waiting.set('failed', (message) => reject(message.type === 'failed' ? fromWorker(message.error) : this.failure));
    });
  }

  private receive(message: FromSimWorker): void {
    switch (message.type) {
      case 'turn':
        for (const command of message.commands) {
          this.onCommand(command.kind === 'refused' ? { ...command, error: fromWorker(command.error) } : command);
          this.options.observer?.handled(command.topic);
        }
        for (const { id, error } of message.results) {
          const promise = this.pending.get(id);
          this.pending.delete(id);
          if (error === undefined) promise?.resolve();
          else promise?.reject(fromWorker(error));
        }
        if (message.watched > 0) this.onWatched(message.watched);
        return;
      case 'failed':
        this.fail(fromWorker(message.error));
        return;
      default: {
        const waiter = this.waiting.get(message.type);
        this.waiting.delete(message.type);
        waiter?.(message);
      }
    }
  }

  private fail(error: Error): void {
    if (this.failure || this.closed) return;
    this.failure = error;
    const waiter = this.waiting.get('failed');
    this.waiting.clear();
    waiter?.({ type: 'failed', error: { message: error.message } });
    for (const promise of this.pending.values()) promise.reject(error);
    this.pending.clear();
  }
}
