// What the duty-cycle ledger (CampaignEngine.gatewayDutyCycleOverflow) needs of a gateway's
// duty-cycle refusal, whichever server reports it: ChirpStack logs DUTY_CYCLE_OVERFLOW
// (chirpstack-log-events.ts), The Things Stack publishes down/failed with a duty_cycle error
// (pkg/gatewayserver/scheduling/sub_band.go). Neither names the gateway for sure, so the
// adapters pass the gateways that heard the device last (or the multicast group's gateways).

export interface DutyCycleOverflow {
  devEui: string;
  gatewayIds: readonly string[];
  /** When the refused frame was to go on air, when known (unix ms). */
  atMs?: number;
}
