// The worker thread of sim-chirpstack-worker.ts: the demo's embedded broker, the simulated
// ChirpStack's MQTT link (its own MqttConnection to that broker) and, when asked, a watcher that
// counts the messages on a filter (the demo's status events). The main thread keeps the
// simulation (clock, fleet, queue, counters) and sends the events to publish; this thread builds
// and encodes them, publishes them, and reads the commands that come back.
import { parentPort, workerData } from 'node:worker_threads';
import { EmbeddedBroker } from '../../lns/mqtt/embedded-broker.js';
import { MqttConnection } from '../../lns/mqtt/mqtt-connection.js';
import { MqttSimChirpstackLink, type SimLinkCommand } from './sim-chirpstack-link.js';
import { SimChirpstackTopics } from './sim-chirpstack-topics.js';
import { TurnReport, workerError, type FromSimWorker, type SimWorkerCommand, type SimWorkerData, type ToSimWorker } from './sim-chirpstack-worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('sim-chirpstack-worker-main: expected to run in a worker thread');
const post = (message: FromSimWorker): void => port.postMessage(message);
const data = workerData as SimWorkerData;

try {
  const broker = await EmbeddedBroker.start();
  const topics = new SimChirpstackTopics(data.topics);
  // aedes speaks MQTT 3.1.1 only; clean session: the demo broker keeps nothing across runs anyway.
  // In-memory to the broker beside it (EmbeddedBroker.connectInMemory): over loopback TCP in this
  // same thread, each settle window's events and commands took a write, a read and a turn more
  // (issue #17: demo --devices 10000 side by side, 49.0 -> 39.9 s system time, 985 -> 945 s wall
  // under load 7-10). The service's connection, in the main thread, is the one on TCP. No
  // coalesceWrites: the pair already hands a turn's writes over as one chunk, at the next tick,
  // so the broker forwards the events in the turn they were posted, not one turn later.
  const mqtt = new MqttConnection({ url: broker.url, clientId: `fuota-demo-chirpstack-${process.pid}`, protocolVersion: 4, clean: true, stream: () => broker.connectInMemory() });
  const link = new MqttSimChirpstackLink(mqtt, topics, { applicationId: data.applicationId, encoding: data.encoding, tenancy: data.tenancy });
  const report = new TurnReport(post);
  let watcher: MqttConnection | undefined;
  const watch = async (filter: string): Promise<void> => {
    watcher = new MqttConnection({ url: broker.url, clientId: `fuota-demo-status-watcher-${process.pid}`, protocolVersion: 4, clean: true, stream: () => broker.connectInMemory() });
    watcher.onMessage(() => report.watched());
    await watcher.connect();
    await watcher.subscribe(filter, 1);
  };
  const toMain = (command: SimLinkCommand): SimWorkerCommand => (command.kind === 'refused' ? { ...command, error: workerError(command.error) } : command);

  port.on('message', (message: ToSimWorker) => {
    switch (message.type) {
      case 'start-link':
        link.start((command) => report.command(toMain(command))).then(
          () => post({ type: 'link-started', filter: topics.commandSubscription() }),
          (error: unknown) => post({ type: 'failed', error: workerError(error) }),
        );
        break;
      case 'events':
        for (const { id, topic, event, nowMs } of message.events) {
          // An event that cannot be written fails alone (the encoders throw synchronously).
          Promise.resolve()
            .then(() => link.publishTo(topic, event, nowMs))
            .then(
              () => report.result(id),
              (error: unknown) => report.result(id, workerError(error)),
            );
        }
        break;
      case 'watch':
        watch(message.filter).then(
          () => post({ type: 'watching', filter: message.filter }),
          (error: unknown) => post({ type: 'failed', error: workerError(error) }),
        );
        break;
      case 'stop-link':
        void link.stop().finally(() => post({ type: 'link-stopped' }));
        break;
      case 'close':
        void Promise.resolve(watcher?.close())
          .catch(() => undefined)
          .then(() => broker.close())
          .finally(() => {
            post({ type: 'closed' });
            port.close();
          });
        break;
    }
  });
  post({ type: 'broker', port: broker.port });
} catch (error) {
  post({ type: 'failed', error: workerError(error) });
}
