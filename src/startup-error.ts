/**
 * A reason the process cannot start that the operator can act on (a database made by an unreleased build, a
 * table another session keeps locked): main.ts prints its message as it is, without a stack trace.
 */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}
