// The gateways a multicast group goes through when none are configured. ChirpStack would pick
// them itself from its device-gateway history (downlink/multicast.rs enqueue,
// get_minimum_gateway_set), but a group whose devices it has no history for gets zero queue
// rows while Enqueue still answers OK and consumes an f_cnt: the frames silently go nowhere. So
// the adapter names the gateways: a greedy set cover of the members over the gateways that
// heard each one's last uplink (greedy is within ln(n) of the minimum; ChirpStack's spanning
// tree is no better bound), fewest gateways = least airtime spent on repeats.

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
