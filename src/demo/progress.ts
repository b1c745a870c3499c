import type { SimClock } from './sim-clock.js';

/** Plain-text progress for a terminal-only user: one line per notable thing. */
export class Progress {
  constructor(
    private readonly clock: SimClock,
    private readonly now: () => number,
    private readonly write: (line: string) => void,
  ) {}

  note(text: string): void {
    const wall = this.now();
    const rel = ((wall - this.clock.wallStart) / 1000).toFixed(1).padStart(6);
    this.write(`[${rel}s | sim ${this.clock.label(this.clock.at(wall))}] ${text}`);
  }
}
