import type { CreateMulticastGroupCommand } from '../campaign/commands.js';
import { CallerError } from '../core/errors.js';
import type { ServerLabel } from './server-label.js';

// The gateways a multicast group goes through. Both servers need them named: ChirpStack would
// pick them from its device-gateway history (downlink/multicast.rs get_minimum_gateway_set), but
// a group whose devices it has no history for gets zero queue rows while Enqueue still answers
// OK; The Things Stack refuses a class B/C multicast downlink without class_b_c.gateways
// (grpc_asns.go: no_downlink_path). When neither the configuration nor the campaign names them,
// the adapter takes a greedy set cover of the members over the gateways that heard each one's
// last uplink (greedy is within ln(n) of the minimum), fewest gateways = least airtime on repeats.

/** Gateways covering every device that some gateway heard; devices nobody heard are left out. */
export function coveringGateways(devEuis: readonly string[], heardBy: (devEui: string) => readonly string[]): string[] {
  const uncovered = new Set(devEuis.filter((devEui) => heardBy(devEui).length > 0));
  const chosen: string[] = [];
  while (uncovered.size > 0) {
    const counts = new Map<string, number>();
    for (const devEui of uncovered) for (const gatewayId of heardBy(devEui)) counts.set(gatewayId, (counts.get(gatewayId) ?? 0) + 1);
    // Most devices first; ties by id, so the choice does not depend on uplink order.
    const [best] = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    chosen.push(best);
    for (const devEui of [...uncovered]) if (heardBy(devEui).includes(best)) uncovered.delete(devEui);
  }
  return chosen;
}

export interface GroupGatewayChoice {
  /** The adapter's configured gateways (networkServer.gateways): they win. */
  configured: readonly string[];
  /** The gateways of a device's last uplink. */
  heardBy: (devEui: string) => readonly string[];
  server: ServerLabel;
  /** What the server would do with a group without gateways, for the refusal. */
  withoutGateways: string;
}

/** Configured gateways, else the command's, else a cover of the members; never none for a group with members. */
export function groupGateways(command: CreateMulticastGroupCommand, choice: GroupGatewayChoice): readonly string[] {
  if (choice.configured.length > 0) return choice.configured;
  if (command.gateways.length > 0) return command.gateways;
  const covering = coveringGateways(command.devEuis, choice.heardBy);
  if (covering.length === 0 && command.devEuis.length > 0) {
    throw new CallerError(
      `${choice.server.codePrefix}_NO_GATEWAY`,
      `multicast group ${command.groupName}: gateways: expected networkServer.gateways, the campaign's multicast.gateways, or an uplink from one of its ${command.devEuis.length} devices since the service started, got none (${choice.withoutGateways})`,
    );
  }
  return covering;
}
