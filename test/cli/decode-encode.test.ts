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

// Issue #14: booleans are checked as strictly as numbers, on every command that carries one.
const booleanRefusals: Array<[string, string[], RegExp]> = [
  [
    'a string "false" for a boolean',
    ['encode', '--port', '201', '--downlink', '{"command":"FragSessionStatusReq","participants":"false","fragIndex":0}'],
    /^fuota: TS004 FragSessionStatusReq Participants: expected true or false, got "false"\n$/,
  ],
  [
    'a missing boolean',
    ['encode', '--port', '201', '--downlink', '{"command":"FragSessionStatusReq","fragIndex":0}'],
    /^fuota: TS004 FragSessionStatusReq Participants: expected true or false, got nothing \(the field is missing\)\n$/,
  ],
  [
    'a number for a boolean',
    ['encode', '--port', '202', '--uplink', '{"command":"AppTimeReq","deviceTime":1,"tokenReq":0,"ansRequired":1}'],
    /^fuota: TS003 AppTimeReq AnsRequired: expected true or false, got 1\n$/,
  ],
  [
    'a missing v2 StartMissed',
    ['encode', '--port', '200', '--uplink', '--package-version', '2', '{"command":"McClassCSessionAns","mcGroupId":0,"drError":false,"freqError":false,"mcGroupUndefined":false,"timeToStart":5}'],
    /^fuota: TS005 McClassCSessionAns StartMissed: expected true or false, got nothing \(the field is missing\)\n$/,
  ],
];
for (const [name, args, stderr] of booleanRefusals) {
  test(`fuota encode refuses ${name} with exit 1 and one line`, async (t) => {
    const result = await runCli(args);
    t.is(result.code, 1, result.stdout);
    t.is(result.stdout, '');
    t.regex(result.stderr, stderr);
  });
}

test('fuota encode still takes real booleans', async (t) => {
  const result = await runCli(['encode', '--port', '201', '--downlink', '{"command":"FragSessionStatusReq","participants":true,"fragIndex":1}']);
  t.is(result.code, 0, result.stderr);
  t.is(result.stdout, '0103\n');
});

// Issue #14: one rule both ways. Every frame decode accepts, encode writes back byte for byte;
// every frame encode refuses, decode refuses too.
const roundTrips: Array<[string, string[], string]> = [
  // TS005 v1 §4.5: bits 7:5 RFU; a device that sets them (LoRa Basics Modem v1 sets bit 5 for a
  // start in the past) reports an error, and no TimeToStart follows.
  ['McClassCSessionAns v1 with RFU status bits', ['--port', '200', '--uplink'], '04e1'],
  // TS005 v2 §4.5: bits 7:6 are reserved for future errors (bit 5 is StartMissed).
  ['McClassCSessionAns v2 with reserved error bits', ['--port', '200', '--uplink', '--package-version', '2'], '04c2'],
];
for (const [name, options, hex] of roundTrips) {
  test(`decode then encode gives the same bytes: ${name}`, async (t) => {
    const decoded = await runCli(['decode', ...options, hex]);
    t.is(decoded.code, 0, decoded.stderr);
    const encoded = await runCli(['encode', ...options, decoded.stdout]);
    t.is(encoded.code, 0, encoded.stderr);
    t.is(encoded.stdout, `${hex}\n`);
  });
}

const bothWaysRefusals: Array<[string, string[], string, string, RegExp, RegExp]> = [
  [
    'class B SessionTime not on a beacon period',
    ['--port', '200', '--downlink'],
    '0501810000000000000005',
    '{"command":"McClassBSessionReq","mcGroupId":1,"sessionTime":129,"timeOut":0,"periodicity":0,"dlFrequencyHz":0,"dr":5}',
    /^fuota: TS005 McClassBSessionReq SessionTime at offset 2: expected a multiple of 128 s \(a beacon period\), got 129\n$/,
    /^fuota: TS005 McClassBSessionReq SessionTime: expected a multiple of 128 s \(a beacon period\), got 129\n$/,
  ],
  [
    'v2 FragSessionStatusAns with MICError and missing fragments',
    ['--port', '201', '--uplink', '--package-version', '2'],
    '0102050003',
    '{"command":"FragSessionStatusAns","memoryError":false,"micError":true,"sessionDoesNotExist":false,"fragIndex":0,"nbFragReceived":5,"missingFrag":3}',
    /^fuota: TS004 FragSessionStatusAns MICError at offset 1: expected 0 while MissingFrag is not 0 \(TS004-2\.0\.0 §3\.2\), got 1\n$/,
    /^fuota: TS004 FragSessionStatusAns MICError: expected false while MissingFrag is not 0 \(TS004-2\.0\.0 §3\.2\), got true\n$/,
  ],
];
for (const [name, options, hex, json, decodeError, encodeError] of bothWaysRefusals) {
  test(`decode and encode both refuse ${name}`, async (t) => {
    const [decoded, encoded] = await Promise.all([runCli(['decode', ...options, hex]), runCli(['encode', ...options, json])]);
    t.is(decoded.code, 1, decoded.stdout);
    t.regex(decoded.stderr, decodeError);
    t.is(encoded.code, 1, encoded.stdout);
    t.regex(encoded.stderr, encodeError);
  });
}
