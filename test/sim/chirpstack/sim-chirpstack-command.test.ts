import test from 'ava';
import { queueItemOf, SimCommandError, type SimDownlinkCommand } from '../../../src/sim/chirpstack/sim-chirpstack-command.js';

// What the simulated ChirpStack makes of a command/down once read, as mqtt.rs message_callback
// and integration/mod.rs handle_down_command do (sources in sim-chirpstack-command.ts).

const DEV = '0102030405060708';
const COMMAND: SimDownlinkCommand = { id: '6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', devEui: DEV, confirmed: true, fPort: 201, data: Uint8Array.of(9) };

test('the id becomes the queue item id, in the lowercase hyphenated form ChirpStack prints; every uuid crate form is taken', (t) => {
  for (const id of ['6F2C1A7E-3B4D-4E5F-8A9B-0C1D2E3F4A5B', '6f2c1a7e3b4d4e5f8a9b0c1d2e3f4a5b', '{6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b}', 'urn:uuid:6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b']) {
    t.is(queueItemOf(DEV, { ...COMMAND, id }).id, COMMAND.id, id);
  }
  const item = queueItemOf(DEV, COMMAND);
  t.deepEqual({ ...item, data: [...item.data] }, { id: COMMAND.id, devEui: DEV, confirmed: true, fPort: 201, data: [9] });
});

test('an empty id: ChirpStack picks a new v4 UUID, a different one each time', (t) => {
  const [a, b] = [queueItemOf(DEV, { ...COMMAND, id: '' }).id, queueItemOf(DEV, { ...COMMAND, id: '' }).id];
  t.regex(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(a, b);
});

test('an object goes through the profile codec, NONE here: an empty payload (codec/mod.rs struct_to_binary)', (t) => {
  t.is(queueItemOf(DEV, { ...COMMAND, object: { on: true } }).data.length, 0);
});

test('the DevEUI is compared with the topic as a string (mqtt.rs), then parsed as an EUI64 of any case and kept lowercase', (t) => {
  t.is(queueItemOf('01020304050607AB', { ...COMMAND, devEui: '01020304050607AB' }).devEui, '01020304050607ab');
  t.throws(() => queueItemOf(DEV, { ...COMMAND, devEui: '0102030405060709' }), { instanceOf: SimCommandError, message: /does not match topic dev_eui/ });
  t.throws(() => queueItemOf('01020304050607ab', { ...COMMAND, devEui: '01020304050607AB' }), { instanceOf: SimCommandError, message: /does not match/ });
  t.throws(() => queueItemOf('0102', { ...COMMAND, devEui: '0102' }), { instanceOf: SimCommandError, message: /not an EUI64/ });
});

for (const [edit, why] of [
  [{ id: '6f2c1a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5' }, 'an id one digit short'],
  [{ id: 'camp-1' }, 'an id that is no UUID'],
  [{ fPort: 0 }, 'FPort 0 (MAC commands; integration.proto: "must be > 0")'],
  [{ fPort: 256 }, 'an FPort beyond a byte'],
] as const) {
  test(`refused: ${why}`, (t) => {
    t.throws(() => queueItemOf(DEV, { ...COMMAND, ...edit }), { instanceOf: SimCommandError });
  });
}
