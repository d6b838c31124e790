import test from 'ava';
import type { DeviceStatus } from '../../src/api/campaign-service-types.js';
import { deviceSteps } from '../../src/api/grpc/compat/deployment-status.js';
import { summaryEntry } from '../../src/store/device-log-retention.js';

// GetDeploymentStatus's step times come from the device log; a log whose oldest entries the
// store's retention summarised still gives the first answers (they are in the summary).

const device = { devEui: '70b3d57ed0000000', timestamps: { setupDoneAtMs: 9_000 } } as unknown as DeviceStatus;

test('deviceSteps: the first answers come from the retention summary when it has them, else from the entries kept', (t) => {
  const summary = summaryEntry(device.devEui, {
    up: 2,
    down: 2,
    note: 0,
    fromMs: 1_000,
    toMs: 4_000,
    firstAnswers: [{ command: 'McGroupSetupAns', atMs: 2_000 }],
  });
  const kept = [
    { devEui: device.devEui, atMs: 5_000, direction: 'up' as const, text: 'McGroupSetupAns' },
    { devEui: device.devEui, atMs: 6_000, direction: 'up' as const, text: 'FragSessionSetupAns, McClassCSessionAns' },
  ];
  t.deepEqual(deviceSteps(device, [summary, ...kept]), { mcGroupSetup: 2_000, mcSession: 6_000, fragSessionSetup: 6_000 });
  t.deepEqual(deviceSteps(device, kept), { mcGroupSetup: 5_000, mcSession: 6_000, fragSessionSetup: 6_000 });
});
