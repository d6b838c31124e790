// Synthetic but firmware-like image pairs for the delta benchmark's size/speed targets (1 MB
// and ~90 KB): functions whose bytes come from an order-2 Markov model of the real Cortex-M
// builds, Thumb-2 BL calls between functions, literal pools of flash addresses, string and
// lookup tables. The new image is the old one with functions inserted, removed and edited and
// constants changed, then laid out again, so calls and pointers move the way a linker moves them.

const FLASH_BASE = 0x08000000;

/** Deterministic PRNG (mulberry32); the bench must give the same pair every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class ByteModel {
  private readonly starts = new Int32Array(65537);
  private readonly positions: Int32Array;

  constructor(private readonly corpus: Uint8Array) {
    const n = Math.max(0, corpus.length - 2);
    const counts = new Int32Array(65536);
    for (let i = 0; i < n; i++) counts[(corpus[i]! << 8) | corpus[i + 1]!]!++;
    for (let c = 0; c < 65536; c++) this.starts[c + 1] = this.starts[c]! + counts[c]!;
    const fill = this.starts.slice(0, 65536);
    this.positions = new Int32Array(n);
    for (let i = 0; i < n; i++) this.positions[fill[(corpus[i]! << 8) | corpus[i + 1]!]!++] = i + 2;
  }

  sample(length: number, random: () => number): Uint8Array {
    const out = new Uint8Array(length);
    const c = this.corpus;
    let b1 = c[Math.floor(random() * c.length)] ?? 0;
    let b2 = c[Math.floor(random() * c.length)] ?? 0;
    for (let i = 0; i < length; i++) {
      const ctx = (b1 << 8) | b2;
      const from = this.starts[ctx]!;
      const to = this.starts[ctx + 1]!;
      const next = to > from ? c[this.positions[from + Math.floor(random() * (to - from))]!]! : c[Math.floor(random() * c.length)]!;
      out[i] = next;
      b1 = b2;
      b2 = next;
    }
    return out;
  }
}

type Piece =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'call'; target: number } // BL to function index
  | { kind: 'pointer'; target: number }; // literal-pool word: address of function index (Thumb bit set)

interface Fn {
  id: number;
  pieces: Piece[];
}

function makeFunction(id: number, model: ByteModel, random: () => number, functionCount: number): Fn {
  const pieces: Piece[] = [];
  const chunks = 2 + Math.floor(random() * 8);
  for (let k = 0; k < chunks; k++) {
    const length = 2 * (4 + Math.floor(random() * 40)); // Thumb code is halfword aligned
    pieces.push({ kind: 'bytes', bytes: model.sample(length, random) });
    if (random() < 0.6) pieces.push({ kind: 'call', target: Math.floor(random() * functionCount) });
  }
  const pool = Math.floor(random() * 4);
  if (pool > 0) pieces.push({ kind: 'bytes', bytes: new Uint8Array(2) }); // align the pool to 4
  for (let k = 0; k < pool; k++) {
    if (random() < 0.6) pieces.push({ kind: 'pointer', target: Math.floor(random() * functionCount) });
    else pieces.push({ kind: 'bytes', bytes: Uint8Array.from([random() * 256, random() * 256, 0x00, 0x20].map(Math.floor)) });
  }
  return { id, pieces };
}

function table(random: () => number, length: number): Uint8Array {
  // Lookup tables and strings: smooth curves and ASCII text, as in real images.
  const out = new Uint8Array(length);
  if (random() < 0.5) {
    const phase = random() * 6.28;
    for (let i = 0; i < length; i++) out[i] = Math.floor(127.5 + 127 * Math.sin(phase + (i * 6.28) / length));
  } else {
    const words = ['sensor', 'join', 'error', 'uplink', 'timeout', 'radio', 'ok', 'config', 'battery', ' ', '%u', '\r\n', '\0'];
    for (let i = 0; i < length; ) for (const ch of words[Math.floor(random() * words.length)]!) if (i < length) out[i++] = ch.charCodeAt(0);
  }
  return out;
}

function encodeBl(from: number, to: number): Uint8Array {
  const offset = (to - (from + 4)) >> 1;
  const s = offset < 0 ? 1 : 0;
  const imm = offset & 0x3fffff;
  const imm11 = imm & 0x7ff;
  const imm10 = (imm >> 11) & 0x3ff;
  const i2 = (imm >> 21) & 1;
  const i1 = (imm >> 22) & 1;
  const j1 = (~(i1 ^ s) & 1) ^ 0; // J1 = NOT(I1 XOR S)
  const j2 = ~(i2 ^ s) & 1;
  const hi = 0xf000 | (s << 10) | imm10;
  const lo = 0xd000 | (j1 << 13) | (j2 << 11) | imm11;
  return Uint8Array.from([hi & 0xff, hi >> 8, lo & 0xff, lo >> 8]);
}

function pieceSize(piece: Piece): number {
  return piece.kind === 'bytes' ? piece.bytes.length : 4;
}

function layout(functions: Fn[], tables: Uint8Array[]): Uint8Array {
  const address = new Map<number, number>();
  let at = 0;
  for (const fn of functions) {
    address.set(fn.id, at);
    for (const piece of fn.pieces) at += pieceSize(piece);
    at = (at + 3) & ~3;
  }
  const codeEnd = at;
  const total = codeEnd + tables.reduce((sum, t) => sum + t.length, 0);
  const image = new Uint8Array(total);
  at = 0;
  const fallback = 0;
  for (const fn of functions) {
    for (const piece of fn.pieces) {
      if (piece.kind === 'bytes') image.set(piece.bytes, at);
      else if (piece.kind === 'call') image.set(encodeBl(at, address.get(piece.target) ?? fallback), at);
      else {
        const value = (FLASH_BASE + (address.get(piece.target) ?? fallback)) | 1;
        image.set([value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24], at);
      }
      at += pieceSize(piece);
    }
    at = (at + 3) & ~3;
  }
  for (const t of tables) {
    image.set(t, at);
    at += t.length;
  }
  return image;
}

export interface SyntheticPair {
  oldImage: Uint8Array;
  newImage: Uint8Array;
}

/**
 * An old image of about `sizeBytes` and a new one after a typical maintenance release:
 * a few functions added, one removed, several edited, some constants in tables changed.
 */
export function syntheticPair(corpus: Uint8Array, sizeBytes: number, seed: number): SyntheticPair {
  const random = prng(seed);
  const model = new ByteModel(corpus);
  const codeBytes = Math.floor(sizeBytes * 0.8);
  const averageFunctionBytes = 480; // makeFunction's mean size
  const count = Math.max(8, Math.round(codeBytes / averageFunctionBytes));
  const functions: Fn[] = [];
  for (let id = 0; id < count; id++) functions.push(makeFunction(id, model, random, count));
  let laidOut = 0;
  for (const fn of functions) laidOut += (fn.pieces.reduce((sum, piece) => sum + pieceSize(piece), 0) + 3) & ~3;
  const tables: Uint8Array[] = [];
  for (let left = sizeBytes - laidOut; left > 0; ) {
    const length = Math.min(left, 64 + Math.floor(random() * 1024));
    tables.push(table(random, length));
    left -= length;
  }
  const oldImage = layout(functions, tables);

  const edited = functions.map((fn) => ({ id: fn.id, pieces: [...fn.pieces] }));
  const scale = Math.max(1, Math.round(sizeBytes / 100_000));
  for (let k = 0; k < 2 * scale; k++) {
    const at = Math.floor(random() * edited.length);
    edited.splice(at, 0, makeFunction(count + k, model, random, count));
  }
  edited.splice(Math.floor(random() * edited.length), 1);
  for (let k = 0; k < 3 * scale; k++) {
    const fn = edited[Math.floor(random() * edited.length)]!;
    const p = Math.floor(random() * fn.pieces.length);
    const piece = fn.pieces[p]!;
    if (piece.kind === 'bytes' && piece.bytes.length >= 8) {
      const bytes = piece.bytes.slice();
      const extra = model.sample(2 * Math.floor(random() * 12), random);
      const cut = 2 * Math.floor((random() * bytes.length) / 2);
      const merged = new Uint8Array(bytes.length + extra.length);
      merged.set(bytes.subarray(0, cut));
      merged.set(extra, cut);
      merged.set(bytes.subarray(cut), cut + extra.length);
      fn.pieces[p] = { kind: 'bytes', bytes: merged };
    }
  }
  const newTables = tables.map((t) => {
    if (random() > 0.05) return t;
    const copy = t.slice();
    copy[Math.floor(random() * copy.length)] ^= 0x10;
    return copy;
  });
  return { oldImage, newImage: layout(edited, newTables) };
}
