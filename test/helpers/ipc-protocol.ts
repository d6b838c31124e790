// Messages between the crash-resume test (the simulated world) and the engine child process.

export type ToChild =
  | { type: 'start'; seq: number; nowMs: number; mode: 'create' | 'resume' }
  | { type: 'uplink'; seq: number; nowMs: number; devEui: string; fPort: number; payloadHex: string }
  | { type: 'tick'; seq: number; nowMs: number };

export type FromChild =
  | { type: 'command'; command: { kind: 'unicast'; value: unknown } | { kind: 'create-group'; value: unknown } | { kind: 'multicast'; value: unknown } | { kind: 'delete-group'; value: string } }
  | { type: 'wake'; atMs: number }
  | { type: 'ack'; seq: number; phase: string; wave: number; stage: string; outcomes: Record<string, string> };
