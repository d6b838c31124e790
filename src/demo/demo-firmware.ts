import { Random } from '../sim/random.js';

// A pair of firmware images for the demo, shaped like a Cortex-M application update: a new
// version shifts some code, edits constants here and there and adds a feature at the end.
// (Real Cortex-M pairs live in bench/firmware; the demo must run with no toolchain.)

export interface FirmwarePair {
  oldImage: Uint8Array;
  newImage: Uint8Array;
}

export function demoFirmwarePair(sizeBytes: number, seed: number): FirmwarePair {
  const random = new Random(seed);
  // Code-like content: a small vocabulary of instruction words repeats, as in Thumb code.
  const vocabulary = Array.from({ length: 512 }, () => random.bytes(4));
  const oldImage = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 4) oldImage.set(vocabulary[random.int(0, vocabulary.length - 1)]!.subarray(0, Math.min(4, sizeBytes - i)), i);
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < sizeBytes) {
    const run = random.int(2_000, 8_000);
    const chunk = oldImage.slice(at, Math.min(sizeBytes, at + run));
    // Edit a few words (constants, branch offsets) in each run.
    for (let k = random.int(0, 4); k > 0; k--) {
      const p = random.int(0, Math.max(0, chunk.length - 4)) & ~3;
      chunk.set(random.bytes(4).subarray(0, Math.min(4, chunk.length - p)), p);
    }
    parts.push(chunk);
    // Now and then a few inserted instructions shift everything after them.
    if (random.next() < 0.3) parts.push(random.bytes(4 * random.int(1, 8)));
    at += run;
  }
  parts.push(random.bytes(Math.floor(sizeBytes * 0.03))); // a new feature at the end
  const length = parts.reduce((n, p) => n + p.length, 0);
  const newImage = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    newImage.set(part, offset);
    offset += part.length;
  }
  return { oldImage, newImage };
}
