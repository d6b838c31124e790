// Seeded random firmware-like image pairs for `npm run bench -- delta --random N`: the delta
// targets of issue #18 are checked on many pairs, not only on the handful the table shows.
// Three kinds, in turn:
//   release  - synthetic.ts's maintenance release (functions added, removed, edited; calls and
//              literal pools re-laid out) at a random size between 16 and 192 KB;
//   patch    - a real Cortex-M image (bench/firmware/build.sh) with a few local edits: constants
//              changed in place, a few bytes of code inserted or deleted with the flash addresses
//              after the edit moved by the same amount (as a linker moves literal-pool pointers);
//   reorder  - a real image with one block moved elsewhere (a function the linker placed anew)
//              and a constant changed.
// Without real images (no arm-none-eabi-gcc) the patch and reorder kinds start from a synthetic
// image instead.
import { prng, syntheticPair, type SyntheticPair } from './synthetic.js';

const FLASH_BASE = 0x08000000;
const FLASH_MASK = 0xfff00000;

export type RandomPairKind = 'release' | 'patch' | 'reorder';
export const RANDOM_PAIR_KINDS: readonly RandomPairKind[] = ['release', 'patch', 'reorder'];

export interface RandomPair extends SyntheticPair {
  kind: RandomPairKind;
  seed: number;
  label: string;
}

/** Pair number `index` of the run seeded `seed`; the same arguments always give the same bytes. */
export function randomPair(corpus: Uint8Array, realImages: readonly Uint8Array[], seed: number, index: number): RandomPair {
  const pairSeed = (seed * 7919 + index * 104729) >>> 0;
  const random = prng(pairSeed);
  const kind = RANDOM_PAIR_KINDS[index % RANDOM_PAIR_KINDS.length]!;
  if (kind === 'release') {
    const sizeBytes = 16 * 1024 + Math.floor(random() * 176 * 1024);
    const pair = syntheticPair(corpus, sizeBytes, pairSeed);
    return { ...pair, kind, seed: pairSeed, label: `release ${Math.round(sizeBytes / 1024)} KB` };
  }
  const base =
    realImages.length > 0
      ? realImages[Math.floor(random() * realImages.length)]!
      : syntheticPair(corpus, 32 * 1024 + Math.floor(random() * 64 * 1024), pairSeed).oldImage;
  const oldImage = base.slice();
  if (kind === 'patch') {
    let image: Uint8Array = oldImage;
    const edits = 1 + Math.floor(random() * 6);
    const names: string[] = [];
    for (let k = 0; k < edits; k++) {
      const what = random();
      if (what < 0.4) {
        image = changeConstant(image, random);
        names.push('const');
      } else if (what < 0.75) {
        image = insertCode(image, corpus, random);
        names.push('ins');
      } else {
        image = deleteCode(image, random);
        names.push('del');
      }
    }
    return { oldImage, newImage: image, kind, seed: pairSeed, label: `patch ${names.join('+')}` };
  }
  const moved = moveBlock(oldImage, random);
  return { oldImage, newImage: changeConstant(moved, random), kind, seed: pairSeed, label: 'reorder' };
}

function changeConstant(image: Uint8Array, random: () => number): Uint8Array {
  const out = image.slice();
  const at = Math.floor(random() * Math.max(1, out.length - 4)) & ~3;
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count && at + i < out.length; i++) out[at + i] = Math.floor(random() * 256);
  return out;
}

function insertCode(image: Uint8Array, corpus: Uint8Array, random: () => number): Uint8Array {
  const length = 4 * (1 + Math.floor(random() * 16)); // keep 4-byte alignment of what follows
  const at = Math.floor(random() * (image.length / 4)) * 4;
  const from = Math.floor(random() * Math.max(1, corpus.length - length));
  const out = new Uint8Array(image.length + length);
  out.set(image.subarray(0, at));
  out.set(corpus.subarray(from, from + length), at);
  out.set(image.subarray(at), at + length);
  relocate(out, at, length);
  return out;
}

function deleteCode(image: Uint8Array, random: () => number): Uint8Array {
  const length = Math.min(image.length - 4, 4 * (1 + Math.floor(random() * 16)));
  if (length <= 0) return image.slice();
  const at = Math.floor(random() * ((image.length - length) / 4)) * 4;
  const out = new Uint8Array(image.length - length);
  out.set(image.subarray(0, at));
  out.set(image.subarray(at + length), at);
  relocate(out, at, -length);
  return out;
}

/** Flash addresses (aligned words 0x080xxxxx) that point past `at` move by `delta`, as after relinking. */
function relocate(image: Uint8Array, at: number, delta: number): void {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  for (let i = 0; i + 4 <= image.length; i += 4) {
    const word = view.getUint32(i, true);
    if ((word & FLASH_MASK) === FLASH_BASE && (word & ~1) - FLASH_BASE > at) view.setUint32(i, (word + delta) >>> 0, true);
  }
}

function moveBlock(image: Uint8Array, random: () => number): Uint8Array {
  const length = Math.min(Math.floor(image.length / 4), 4 * (16 + Math.floor(random() * 256)));
  const from = Math.floor(random() * ((image.length - length) / 4)) * 4;
  const rest = new Uint8Array(image.length - length);
  rest.set(image.subarray(0, from));
  rest.set(image.subarray(from + length), from);
  const to = Math.floor(random() * (rest.length / 4)) * 4;
  const out = new Uint8Array(image.length);
  out.set(rest.subarray(0, to));
  out.set(image.subarray(from, from + length), to);
  out.set(rest.subarray(to), to + length);
  return out;
}
