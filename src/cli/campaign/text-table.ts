// Plain-text tables for the CLI: a header row, columns padded to their widest cell, two spaces
// apart, no trailing blanks. Numbers are right-aligned.

export type Cell = string | number | undefined;

export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const text = (cell: Cell): string => (cell === undefined ? '-' : String(cell));
  const cells = [header.map(String), ...rows.map((row) => header.map((_, i) => text(row[i])))];
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n')
    .concat('\n');
}
