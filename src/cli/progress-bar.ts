/**
 * A one-line progress bar on stderr: redrawn in place on a terminal, one line per 10 % step
 * (and per stage change) otherwise, so logs of CI runs stay readable.
 */
export class ProgressBar {
  private lastDrawMs = 0;
  private lastDecile = -1;
  private lastLabel = '';
  private readonly tty = Boolean(process.stderr.isTTY);

  update(done: number, total: number, label: string): void {
    const fraction = total > 0 ? done / total : 0;
    if (this.tty) {
      const now = Date.now();
      if (now - this.lastDrawMs < 80 && done < total) return;
      this.lastDrawMs = now;
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${label}`.padEnd(110).slice(0, 120));
      return;
    }
    const decile = Math.floor(fraction * 10);
    const stage = label.split(' ')[0] ?? '';
    if (decile === this.lastDecile && stage === this.lastLabel) return;
    this.lastDecile = decile;
    this.lastLabel = stage;
    process.stderr.write(`${String(Math.round(fraction * 100)).padStart(3)}%  ${label}\n`);
  }

  finish(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
