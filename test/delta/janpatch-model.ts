// Independent, deliberately naive models of janpatch (janjongboom/janpatch, janpatch.h), used to
// check that our patches apply there byte for byte and that our patcher reads what janpatch
// reads. They follow janpatch's own shape (a pull reader over the patch that rewinds when a data
// run meets an operator), not our streaming state machine. Three builds:
//   '84a5786'  Sep 2020, pinned by shipped update clients: every operator is `ESC op`; another
//              byte stops it ("Expected ESC"), ESC + a non-operator too ("Unsupported operator").
//   '19f5efb'  janpatch.h as stored at 19f5efb (the default-MOD change of PR #22): a byte other
//              than ESC at an operator position starts a MOD run; ESC is still always taken as
//              `ESC op`, so `ESC ESC` / `ESC x` there stop it ("Unsupported operator").
//   'c8ad3ee'  Nov 2024 and later: reads everything jdiff 0.8.5 writes. We could not read
//              janpatch.h at that commit; its behaviour here is the reference facts
//              (../shared/reference/delta-and-manifest.md: `ESC ESC` and `ESC x` at an operator
//              position are data), which is also what JojoDiff 0.8.5's JPatcht.cpp jpatch does.
// Like janpatch they do no bounds checking: an EQL past the end yields 0xFF bytes, BKT may go
// below 0, a truncated length reads EOF as -1. `runJanpatch` tells those apart as 'unsafe' (the
// device would write a wrong image without noticing), which our patcher refuses by design.
export type JanpatchBuild = '84a5786' | '19f5efb' | 'c8ad3ee';

export type JanpatchRun =
  | { kind: 'ok'; output: Uint8Array }
  | { kind: 'refused'; reason: string }
  | { kind: 'unsafe'; reason: string; output: Uint8Array };

const ESC = 0xa7;
const isOp = (b: number): boolean => b >= 0xa2 && b <= 0xa6;

export function runJanpatch(oldImage: Uint8Array, patch: Uint8Array, build: JanpatchBuild): JanpatchRun {
  const out: number[] = [];
  let o = 0; // old position
  let p = 0; // patch position
  let unsafe: string | undefined;
  const flag = (reason: string): void => {
    unsafe ??= reason;
  };
  const getc = (): number => (p < patch.length ? patch[p++]! : -1);
  const oldByte = (): number => {
    const b = o >= 0 && o < oldImage.length ? oldImage[o]! : -1;
    if (b === -1) flag(`EQL reads old offset ${o} outside the image`);
    o++;
    return b & 0xff; // janpatch's putc of EOF writes 0xff
  };
  // find_length: the first byte goes through a uint8_t, so EOF reads as 255 (refused).
  const length = (): number | 'refused' => {
    const first = getc();
    if (first === -1) return 'refused';
    const l = first;
    const more = (): number => {
      const b = getc();
      if (b === -1) flag('patch ends inside a length');
      return b;
    };
    let n: number;
    if (l <= 251) n = l + 1;
    else if (l === 252) n = 253 + more();
    else if (l === 253) {
      n = (more() << 8) + more();
      if (n < 509) flag('length not in its shortest form (jdiff never writes it)');
    } else if (l === 254) {
      n = ((more() << 24) + (more() << 16) + (more() << 8) + more()) | 0; // a C int
      if (n === -1) return 'refused';
      if (n < 65536) flag('length not in its shortest form, or >= 2^31');
    } else return 'refused'; // 255: janpatch has no 64-bit lengths
    return n;
  };
  // process_mod: ESC ESC is one ESC, ESC + operator ends the run (rewound), ESC + x is both bytes.
  const dataRun = (advancesOld: boolean): void => {
    const emit = (b: number): void => {
      out.push(b);
      if (advancesOld) o++;
    };
    for (;;) {
      const m = getc();
      if (m === -1) return;
      if (m !== ESC) {
        emit(m);
        continue;
      }
      const m2 = getc();
      if (m2 === -1) {
        flag('patch ends in a lone ESC (janpatch drops it)');
        return;
      }
      if (m2 === ESC) emit(ESC);
      else if (isOp(m2)) {
        p -= 2;
        return;
      } else {
        emit(ESC);
        emit(m2);
      }
    }
  };

  for (;;) {
    const start = p;
    const c = getc();
    if (c === -1) break;
    let op: number;
    if (c === ESC) {
      const c2 = getc();
      if (c2 === -1) {
        flag('patch ends after ESC');
        break;
      }
      if (isOp(c2)) op = c2;
      else if (build === 'c8ad3ee') {
        p = start; // ESC ESC / ESC x: data of an implicit MOD run
        op = 0xa6;
      } else return { kind: 'refused', reason: `Unsupported operator ${c2.toString(16)} at ${start + 1}` };
    } else if (build === '84a5786') {
      return { kind: 'refused', reason: `Expected ESC but got ${c.toString(16)} at ${start}` };
    } else {
      p = start;
      op = 0xa6;
    }
    if (op === 0xa6 || op === 0xa5) {
      dataRun(op === 0xa6);
      continue;
    }
    const n = length();
    if (n === 'refused') return { kind: 'refused', reason: `length invalid at ${p}` };
    if (n === 0) flag('zero length');
    if (op === 0xa3) {
      // A huge EQL past the end is only 0xff bytes; cap the copy so the model stays fast.
      const copy = o + n > oldImage.length ? Math.min(n, oldImage.length + (1 << 16)) : n;
      for (let k = 0; k < copy; k++) out.push(oldByte());
      o += n - copy;
    } else if (op === 0xa4) {
      o += n;
    } else {
      o -= n;
      if (o < 0) flag('BKT before old offset 0');
    }
  }
  const output = Uint8Array.from(out);
  return unsafe === undefined ? { kind: 'ok', output } : { kind: 'unsafe', reason: unsafe, output };
}

/** The bytes janpatch `build` writes for `patch` (also where it is unsafe), or 'error'. */
export function janpatchModel(oldImage: Uint8Array, patch: Uint8Array, build: JanpatchBuild = '84a5786'): Uint8Array | 'error' {
  const run = runJanpatch(oldImage, patch, build);
  return run.kind === 'refused' ? 'error' : run.output;
}
