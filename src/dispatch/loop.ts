/**
 * A loop over one injected step, in the manner of pg-boss's worker: the step runs again at once while it reports
 * more work, otherwise the loop sleeps until woken or until the safety poll elapses. No exception escapes: a
 * failed step is logged and the loop pauses before trying again, so an outage does not spin it.
 *
 * States: IDLE (not started), RUNNING, STOPPING (asked to stop: the current step finishes, none starts), STOPPED.
 */
import type { Logger } from '../logger';
import { invariant } from './invariant';
import { WakeSignal } from './wake-signal';

export type LoopState = 'IDLE' | 'RUNNING' | 'STOPPING' | 'STOPPED';

export interface LoopSteps {
  /** One round: 'more' runs the next at once, 'done' waits for a wake-up or the poll. */
  round(): Promise<'more' | 'done'>;
  /** A sleep ended by the poll, not by a wake-up. */
  polled(): Promise<void> | void;
  /** A round or poll failed (before the error is logged and the loop pauses). */
  failed(): void;
}

export interface LoopTiming {
  /** Wake-up without a notification. */
  pollMs: number;
  /** Pause after a failure. */
  errorPauseMs: number;
}

export class Loop {
  private loopState: LoopState = 'IDLE';
  private readonly signal = new WakeSignal();
  private running: Promise<void> | undefined;

  constructor(
    /** Names the loop in the log: "recording exports", "claiming exports". */
    private readonly name: string,
    private readonly steps: LoopSteps,
    private readonly timing: LoopTiming,
    private readonly logger: Logger,
  ) {}

  get state(): LoopState {
    return this.loopState;
  }

  start(): void {
    invariant(this.loopState === 'IDLE', `the ${this.name} loop started twice`);
    this.loopState = 'RUNNING';
    this.running = this.run();
  }

  /** Ends the current sleep early; a wake while a round runs makes the next sleep return at once. */
  wake(): void {
    this.signal.wake();
  }

  async stop(): Promise<void> {
    if (this.loopState === 'RUNNING') this.loopState = 'STOPPING';
    this.signal.wake();
    await this.running;
    this.loopState = 'STOPPED';
  }

  private async run(): Promise<void> {
    while (this.loopState === 'RUNNING') {
      try {
        if ((await this.steps.round()) === 'more') continue;
        if (!(await this.signal.sleep(this.timing.pollMs))) await this.steps.polled();
      } catch (error) {
        this.steps.failed();
        this.logger.error(`${this.name} failed; retrying`, { error });
        await this.signal.sleep(this.timing.errorPauseMs);
      }
    }
  }
}
