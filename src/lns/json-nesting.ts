// How deep a JSON text nests, read without recursion. JSON.parse copes with a 100 000-deep
// payload, but whatever walks the value afterwards (JSON.stringify into the store or a log line,
// structuredClone) overflows the stack on it: network-server events are refused above a depth
// no real payload reaches (a device codec's decoded object included), before they are parsed.

/** Deeper than this, an event is refused: ChirpStack's and TTS's own fields nest 4 or 5 levels. */
export const MAX_EVENT_JSON_NESTING = 64;

/** The deepest nesting of objects and arrays in `text` (strings skipped, escapes honoured). */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Whether `text` may nest deeper than `levels`: false when it has at most `levels` opening
 * brackets (a depth needs one each). Counted with indexOf, ~15x faster than the exact scan, which
 * then runs only for texts with that many brackets (issue #17: every event is checked).
 */
export function mayNestDeeperThan(text: string, levels: number): boolean {
  let brackets = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i >= 0; i = text.indexOf(bracket, i + 1)) if (++brackets > levels) return true;
  }
  return false;
}
