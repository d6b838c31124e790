// The benchmark's devices: DevEUIs in order, the same in the service and the publisher.

export const APPLICATION_ID = '5f2a3c1e-8b4d-4e6f-9a7b-0c1d2e3f4a5b';

export function devEuiOf(index: number): string {
  return (0x70b3d57e00000000n + BigInt(index)).toString(16).padStart(16, '0');
}

/** How many uplinks device `index` got when `total` went round-robin over `devices` from index 0. */
export function expectedUplinks(index: number, total: number, devices: number): number {
  return Math.floor(total / devices) + (index < total % devices ? 1 : 0);
}
