/**
 * An abortable wait: `sleep(ms)` ends at its deadline or at the first `wake()`, and a wake that arrives while
 * nobody sleeps is remembered, so the next sleep returns at once instead of missing it. It resolves to whether
 * it was woken (false: the deadline passed).
 */
export class WakeSignal {
  private pending = false;
  private wakeUp: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  sleep(ms: number): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.pending = false;
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), ms);
      this.wakeUp = () => done(true);
    });
  }
}
