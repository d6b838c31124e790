// The radio layer: regional parameters, time on air, the duty-cycle ledger and the send planner.
// Pure: no I/O, clock, randomness or logging; times are integer microseconds on a caller-given timeline.
export * from './region-types.js';
export * from './radio-errors.js';
export * from './regions.js';
export * from './sub-bands.js';
export * from './time-on-air.js';
export * from './duty-cycle-ledger.js';
export * from './class-b-timing.js';
export * from './session-timeout.js';
export * from './send-planner.js';
export * from './plan-summary.js';
