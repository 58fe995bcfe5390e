/**
 * An abortable wait: `sleep(ms)` ends at its deadline or at the first `wake()`, and a wake that arrives while
 * nobody sleeps is remembered, so the next sleep returns at once instead of missing it.
 */
export class WakeSignal {
  private pending = false;
  private wakeUp: (() => void) | undefined;

  wake(): void {
    this.pending = true;
    this.wakeUp?.();
  }

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
