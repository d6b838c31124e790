// Messages between the crash-resume test (the simulated world) and the engine child process.

export type ToChild =
  | { type: 'start'; seq: number; nowMs: number; mode: 'create' | 'resume' }
  | { type: 'uplink'; seq: number; nowMs: number; devEui: string; fPort: number; payloadHex: string }
  | { type: 'tick'; seq: number; nowMs: number };

/** A network server call the engine made (the parent carries it out on the simulated network server). */
export type NetworkCall = { kind: 'unicast'; value: unknown } | { kind: 'create-group'; value: unknown } | { kind: 'multicast'; value: unknown } | { kind: 'delete-group'; value: string };

/** Where an engine process kills itself: at its first network call of `kind`, before the call leaves it or right after. */
export interface CommandCrash {
  kind: NetworkCall['kind'];
  when: 'before-send' | 'after-send';
}

export type FromChild =
  | { type: 'command'; command: NetworkCall }
  | { type: 'call-failed'; command: NetworkCall }
  | { type: 'wake'; atMs: number }
  | { type: 'ack'; seq: number; phase: string; wave: number; stage: string; outcomes: Record<string, string> };
