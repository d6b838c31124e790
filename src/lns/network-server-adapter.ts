import type { CreateMulticastGroupCommand, UnicastCommand } from '../campaign/commands.js';
import type { MulticastDownlink, NetworkServer } from '../campaign/ports.js';
import { CallerError } from '../core/errors.js';
import type { MqttConnection } from './mqtt/mqtt-connection.js';
import type { MqttRejectLog } from './mqtt/mqtt-reject-log.js';
import type { MqttRejectReason } from './mqtt/mqtt-reject-reason.js';
import type { MulticastGroups } from './multicast-groups.js';
import type { ServerLabel } from './server-label.js';

// What every network-server adapter does alike around its server-specific parts: one start, the
// NetworkServer port's multicast calls handed to the shared MulticastGroups (hold until their
// time, drain before delete), and a close that stops the unicast timers, the held frames and the
// MQTT connection. Calls before start() or after close() are refused with the server's code.
// Event messages that do not decode are counted and summarised by one MqttRejectLog.

type AdapterState = 'idle' | 'started' | 'closed';

export abstract class NetworkServerAdapter implements NetworkServer {
  private state: AdapterState = 'idle';

  protected constructor(
    private readonly server: ServerLabel,
    /** For messages: "TtsNetworkServer.sendUnicast: …". */
    private readonly adapterName: string,
  ) {}

  protected abstract readonly mqtt: MqttConnection;
  /** Dropped event messages: counted by reason, summarised at most once per interval (no line per message). */
  protected abstract readonly rejects: MqttRejectLog;
  protected abstract readonly unicast: { readonly size: number; close(): void };
  protected abstract readonly multicast: Pick<MulticastGroups<unknown>, 'create' | 'send' | 'delete' | 'heldCount' | 'close'>;

  abstract sendUnicast(downlink: UnicastCommand): Promise<void>;

  /** Whether start() ran and close() did not: callbacks of a closed adapter stay silent. */
  protected get started(): boolean {
    return this.state === 'started';
  }

  /** The first step of start(): refuses a second start. */
  protected beginStart(): void {
    if (this.state !== 'idle') throw new CallerError(`${this.server.codePrefix}_ALREADY_STARTED`, `${this.adapterName}.start: expected state idle, got ${this.state}`);
    this.state = 'started';
  }

  /** Stops timers (pending unicasts, held frames, deletion polls) and closes the MQTT connection. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.rejects.flush();
    this.unicast.close();
    this.multicast.close();
    await this.mqtt.close();
  }

  /** Event messages dropped since start, by reason (fuota_mqtt_messages_rejected_total). */
  rejectedMessages(): Array<{ reason: MqttRejectReason; count: number }> {
    return this.rejects.counts();
  }

  /** Unicast downlinks sent and not yet confirmed by the server. */
  get pendingUnicasts(): number {
    return this.unicast.size;
  }

  /** Multicast frames held (not yet handed to the server), for a group or for all. */
  heldMulticasts(groupName?: string): number {
    return this.multicast.heldCount(groupName);
  }

  async createMulticastGroup(group: CreateMulticastGroupCommand): Promise<void> {
    this.requireStarted('createMulticastGroup');
    return this.multicast.create(group);
  }

  /** Resolves at once: the frame is held until its hand-over time (the engine must not wait for air time). */
  async sendMulticast(downlink: MulticastDownlink): Promise<void> {
    this.requireStarted('sendMulticast');
    return this.multicast.send(downlink);
  }

  /** Accepted at once; the group goes once nothing is held and the server's queue is empty, or at the drain deadline (onGroupDeleted). */
  async deleteMulticastGroup(groupName: string): Promise<void> {
    this.requireStarted('deleteMulticastGroup');
    return this.multicast.delete(groupName);
  }

  protected requireStarted(operation: string): void {
    if (this.state !== 'started') throw new CallerError(`${this.server.codePrefix}_NOT_STARTED`, `${this.adapterName}.${operation}: expected a started adapter (call start()), got state ${this.state}`);
  }
}
