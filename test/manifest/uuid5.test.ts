import test from 'ava';
import { NAMESPACE_DNS, NAMESPACE_URL, classIdOf, uuidFromString, uuidToString, uuidV5, vendorIdOf } from '../../src/manifest/uuid5.js';

// Known answers:
//  - uuid5(NAMESPACE_DNS, 'python.org') = 886313e1-...: the example in the Python `uuid` module
//    documentation (docs.python.org/3/library/uuid.html, "Example").
//  - uuid5(NAMESPACE_DNS, 'www.example.com') = 2ed6657d-...: RFC 9562 Appendix A.4.
//  - URL-namespace values: computed with CPython 3's uuid.uuid5(uuid.NAMESPACE_URL, name), an
//    independent implementation (the namespace lorawan-fota-signing-tool uses via uuid-1345).
const known: Array<[Uint8Array, string, string, string]> = [
  [NAMESPACE_DNS, 'DNS', 'python.org', '886313e1-3b8a-5372-9b90-0c9aee199e5d'],
  [NAMESPACE_DNS, 'DNS', 'www.example.com', '2ed6657d-e927-568b-95e1-2665a8aea6a2'],
  [NAMESPACE_URL, 'URL', 'example.com', 'a5cf6e8e-4cfa-5f31-a804-6de6d1245e26'],
  [NAMESPACE_URL, 'URL', 'http://python.org/', '4c565f0d-3f5a-5890-b41b-20cf47701c5e'],
];
for (const [namespace, label, name, expected] of known) {
  test(`UUIDv5(${label}, ${JSON.stringify(name)}) known answer`, (t) => {
    t.is(uuidToString(uuidV5(namespace, name)), expected);
  });
}

test('vendor and class IDs use the URL namespace, like lorawan-fota-signing-tool', (t) => {
  t.is(uuidToString(vendorIdOf('example.com')), 'a5cf6e8e-4cfa-5f31-a804-6de6d1245e26');
  t.deepEqual(classIdOf('awesome-2000'), uuidV5(NAMESPACE_URL, 'awesome-2000'));
  t.throws(() => vendorIdOf(''), { code: 'VALUE_OUT_OF_RANGE' });
});

test('UUID text round trip and rejection', (t) => {
  const text = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
  t.is(uuidToString(uuidFromString(text.toUpperCase())), text);
  t.throws(() => uuidFromString('6ba7b811-9dad-11d1-80b4'), { code: 'INVALID_UUID' });
});
