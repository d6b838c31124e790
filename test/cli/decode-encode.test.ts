import test from 'ava';
import { runCli } from '../helpers/run-cli.js';

test('fuota decode prints the commands as JSON', async (t) => {
  const result = await runCli(['decode', '--port', '202', '--uplink', '01000400001f']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(JSON.parse(result.stdout), [{ command: 'AppTimeReq', deviceTime: 1024, tokenReq: 15, ansRequired: true }]);
});

test('fuota encode is the reverse of decode', async (t) => {
  const result = await runCli(['encode', '--port', '203', '--uplink', '[{"command":"DevVersionAns","fwVersion":513,"hwVersion":1264}]']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '0101020000f0040000\n');
});

const failures: Array<[string, string[], RegExp]> = [
  ['truncated frame', ['decode', '--port', '202', '--uplink', '0100040000'], /^fuota: TS003 AppTimeReq at offset 1: expected 5 bytes, got 4\n$/],
  ['unknown CID', ['decode', '--port', '203', '--downlink', '09'], /^fuota: TS006 v1 downlink at offset 0: expected a CID among .*got 0x09\n$/],
  ['bad hex', ['decode', '--port', '202', '--uplink', '0x1'], /^fuota: payload: expected an even number of hex digits/],
  ['unknown port', ['decode', '--port', '5', '--uplink', '00'], /^fuota: port: expected one of .*got 5\n$/],
  ['no direction', ['decode', '--port', '202', '00'], /^fuota: --uplink or --downlink: expected exactly one/],
  ['out-of-range field', ['encode', '--port', '202', '--downlink', '{"command":"DeviceAppTimePeriodicityReq","period":16}'], /^fuota: TS003 DeviceAppTimePeriodicityReq Period: expected an integer in 0\.\.15, got 16\n$/],
  ['bad JSON', ['encode', '--port', '202', '--downlink', '{'], /^fuota: JSON argument: /],
];
for (const [name, args, stderr] of failures) {
  test(`fuota ${args[0]} refuses ${name} with exit 1 and one line`, async (t) => {
    const result = await runCli(args);
    t.is(result.code, 1);
    t.is(result.stdout, '');
    t.regex(result.stderr, stderr);
    t.is(result.stderr.trim().split('\n').length, 1);
  });
}
