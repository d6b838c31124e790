// For SimClock.run over a wire world: simulated time may move on only once the engine has
// nothing queued and no MQTT message or API call is in flight (WireTraffic).
import type { CampaignEngine } from '../campaign/engine.js';
import type { WireTraffic } from '../sim/wire-traffic.js';

/** Real time allowed for one simulated instant's messages to cross the wire. */
const WIRE_SETTLE_TIMEOUT_MS = 30_000;

export function wireSettle(engine: CampaignEngine, traffic: WireTraffic): () => Promise<void> {
  return async () => {
    for (;;) {
      if (engine.busy) await engine.idle();
      else if (traffic.pending > 0) await traffic.drained(WIRE_SETTLE_TIMEOUT_MS);
      else {
        // One turn of the event loop: continuations one promise away start their work now.
        await new Promise((resolve) => setImmediate(resolve));
        if (!engine.busy && traffic.pending === 0) return;
      }
    }
  };
}
