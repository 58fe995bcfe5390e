/**
 * Events per second, smoothed over short windows: how fast this instance finishes sends, which sizes how many
 * claimed exports may wait for a send slot (see the dispatcher's ready queue).
 */
export class RateMeter {
  private count = 0;
  private windowStart: number;
  private rate = 0;

  constructor(
    /** Milliseconds from any fixed origin (`performance.now`). */
    private readonly now: () => number,
    private readonly windowMs = 250,
    /** Weight of the newest window. */
    private readonly smoothing = 0.5,
  ) {
    this.windowStart = now();
  }

  tick(): void {
    this.count += 1;
    this.roll();
  }

  perSecond(): number {
    this.roll();
    return this.rate;
  }

  private roll(): void {
    const now = this.now();
    const elapsed = now - this.windowStart;
    if (elapsed < this.windowMs) return;
    const current = (this.count * 1000) / elapsed;
    // After a quiet spell of several windows, the old rate says nothing about now.
    this.rate = elapsed > 4 * this.windowMs ? current : this.rate * (1 - this.smoothing) + current * this.smoothing;
    this.count = 0;
    this.windowStart = now;
  }
}
