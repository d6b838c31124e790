import test from 'ava';
import { bytesToHex, hexToBytes, hexToFixedBytes } from '../../src/core/hex.js';
import { parseEui64 } from '../../src/core/eui.js';
import { ValueError } from '../../src/core/errors.js';

test('hex round trip and separators', (t) => {
  t.is(bytesToHex(hexToBytes('0x01 02:0A-ff')), '01020aff');
  t.deepEqual(hexToBytes(''), new Uint8Array(0));
});

const badHex: Array<[string, string]> = [['abc', 'odd length'], ['zz', 'not hex'], ['0g', 'not hex']];
for (const [input, why] of badHex) {
  test(`hexToBytes rejects ${JSON.stringify(input)} (${why})`, (t) => {
    t.throws(() => hexToBytes(input, 'payload'), { instanceOf: ValueError, code: 'INVALID_HEX' });
  });
}

test('hexToFixedBytes checks the length', (t) => {
  t.throws(() => hexToFixedBytes('0102', 4, 'Descriptor'), { instanceOf: ValueError, message: /Descriptor: expected 4 bytes/ });
  t.is(hexToFixedBytes('01020304', 4, 'Descriptor').length, 4);
});

test('EUI-64 parsing', (t) => {
  t.is(String(parseEui64('01-02-03-04-05-06-07-0A')), '010203040506070a');
  t.throws(() => parseEui64('0102'), { instanceOf: ValueError, code: 'INVALID_EUI' });
  t.throws(() => parseEui64('010203040506070g'), { instanceOf: ValueError });
});
