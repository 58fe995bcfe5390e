/**
 * This instance's view of the idle flag (`dispatch_wakeup.idle`, shared by every instance): writers NOTIFY only
 * while it is raised. PostgreSQL serialises the commits of notifying transactions, so during a burst the
 * recording loop lowers it (it sees new rows anyway, round after round) and raises it again once it catches up.
 *
 * States: RAISED (this instance last raised it) and LOWERED (this instance lowered it, or does not know: at start,
 * an instance that stopped abruptly may have left it lowered, so the first round that drains the outbox raises
 * it). Only this instance's own knowledge: another instance may change the flag at any time, so every write
 * goes to the database, which skips writes that change nothing.
 */
export type IdleFlagState = 'RAISED' | 'LOWERED';

export class IdleFlag {
  private flagState: IdleFlagState = 'LOWERED';

  constructor(private readonly write: (raised: boolean) => Promise<void>) {}

  get state(): IdleFlagState {
    return this.flagState;
  }

  /** Writers stop notifying. The state changes first: the update may commit and still report an error. */
  async lower(): Promise<void> {
    this.flagState = 'LOWERED';
    await this.write(false);
  }

  /** Writers notify again. */
  async raise(): Promise<void> {
    await this.write(true);
    this.flagState = 'RAISED';
  }
}
