/**
 * Compressed time: simulated event time advances `speed` times faster than the wall clock.
 * The timeline is anchored so it reaches the wall clock when the demo's duration is up:
 * ingest clamps event times more than 5 minutes ahead of receipt, so a fast timeline must run
 * from the past towards now, never past it.
 */
export class SimClock {
  readonly liveStart: number;

  constructor(
    readonly wallStart: number,
    readonly speed: number,
    durationMs: number,
  ) {
    this.liveStart = wallStart + durationMs - durationMs * speed;
  }

  /** Simulated time at wall time `wall`. */
  at(wall: number): number {
    return this.liveStart + (wall - this.wallStart) * this.speed;
  }

  /** Simulated ms since the live timeline started, as "+mm:ss". */
  label(sim: number): string {
    const s = Math.max(0, Math.floor((sim - this.liveStart) / 1000));
    const mm = Math.floor(s / 60);
    return `+${String(mm).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }
}
