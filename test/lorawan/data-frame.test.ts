// LoRaWAN 1.0.x data frames: FRMPayload encryption (§4.3.3) and MIC (§4.4).
// Known answers from chirpstack lrwn/src/phy_payload.rs (the PhyPayload doc examples, MIT).

import test from 'ava';
import fc from 'fast-check';
import { bytesToHex, hexToBytes } from '../../src/core/hex.js';
import { isFuotaError } from '../../src/core/errors.js';
import { cryptFrmPayload, dataFrameMic, decodeDataFrame, encodeDataFrame, fullFrameCounter, verifyDataFrame } from '../../src/lorawan/data-frame.js';

test('lrwn "LoRaWAN 1.0.x confirmed uplink example": FRMPayload 01020304 under AppSKey, MIC under NwkSKey, FOpts DevStatusAns', (t) => {
  const appSKey = hexToBytes('100f0e0d0c0b0a090807060504030201');
  const nwkSKey = hexToBytes('0102030405060708090a0b0c0d0e0f10');
  const bytes = encodeDataFrame({ mType: 'confirmed-data-up', devAddr: 0x01020304, fCnt: 0, fPort: 10, payload: Uint8Array.of(1, 2, 3, 4), appSKey, nwkSKey, fOpts: Uint8Array.of(0x06, 0x73, 0x07) });
  t.is(bytesToHex(bytes), '80040302010300000673070ae264d4f7e117d2c0');
  t.true(verifyDataFrame(bytes, nwkSKey, 0));
  const frame = decodeDataFrame(bytes);
  t.like(frame, { mType: 'confirmed-data-up', devAddr: 0x01020304, fCnt16: 0, fPort: 10 });
  t.is(bytesToHex(cryptFrmPayload(appSKey, 'uplink', frame.devAddr, 0, frame.frmPayload)), '01020304');
});

test('lrwn "LoRaWAN 1.0.x Relay ForwardDownlinkReq example": the downlink MIC under the NwkSKey with FCnt 10', (t) => {
  const key = hexToBytes('08070605040302010807060504030201');
  const bytes = hexToBytes('6004030201000a00e2c9604164c97d76f9ea8e1a792ba0879b85243e5af5');
  const frame = decodeDataFrame(bytes);
  t.like(frame, { mType: 'unconfirmed-data-down', devAddr: 0x01020304, fCnt16: 10, fPort: 226 });
  t.is(bytesToHex(dataFrameMic(key, 'downlink', 0x01020304, 10, bytes.subarray(0, bytes.length - 4))), '243e5af5');
  t.true(verifyDataFrame(bytes, key, 10));
  t.false(verifyDataFrame(bytes, key, 10 + 0x10000), 'the counter is part of the MIC');
  // Re-encrypting what decrypts gives the same frame back.
  const plain = cryptFrmPayload(key, 'downlink', 0x01020304, 10, frame.frmPayload);
  t.is(bytesToHex(encodeDataFrame({ mType: 'unconfirmed-data-down', devAddr: 0x01020304, fCnt: 10, fPort: 226, payload: plain, appSKey: key, nwkSKey: key })), bytesToHex(bytes));
});

test('property: encode → decode → verify and decrypt gives the payload back; another key or counter fails the MIC', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 223 }), fc.uint8Array({ maxLength: 242 }), (appSKey, nwkSKey, devAddr, fCnt, fPort, payload) => {
      const bytes = encodeDataFrame({ mType: 'unconfirmed-data-down', devAddr, fCnt, fPort, payload, appSKey, nwkSKey });
      const frame = decodeDataFrame(bytes);
      const back = cryptFrmPayload(appSKey, 'downlink', devAddr, fCnt, frame.frmPayload);
      const swapped = bytesToHex(appSKey) !== bytesToHex(nwkSKey) && verifyDataFrame(bytes, appSKey, fCnt);
      return frame.devAddr === devAddr && frame.fCnt16 === (fCnt & 0xffff) && bytesToHex(back) === bytesToHex(payload) && verifyDataFrame(bytes, nwkSKey, fCnt) && !verifyDataFrame(bytes, nwkSKey, (fCnt + 1) >>> 0) && !swapped;
    }),
  );
  t.pass();
});

test('the full counter from 16 bits on air: the smallest one not below the last accepted', (t) => {
  t.is(fullFrameCounter(5, undefined), 5);
  t.is(fullFrameCounter(5, 3), 5);
  t.is(fullFrameCounter(2, 0xfffe), 0x10002);
  t.is(fullFrameCounter(0x1234, 0x51234), 0x51234);
});

const bad: Array<[string, string]> = [
  ['too short', '600403020100'],
  ['a join-accept MHDR', '20040302010000000000000000'],
  ['Major 1', '61040302010000000000000000'],
  ['FOptsLen past the end', '6004030201050000aabbccdd'],
];
for (const [name, hex] of bad) {
  test(`decodeDataFrame refuses ${name}`, (t) => {
    const error = t.throws(() => decodeDataFrame(hexToBytes(hex)));
    t.true(isFuotaError(error), String(error));
    t.regex(error!.message, /^LoRaWAN data frame at offset \d+: expected /);
  });
}
