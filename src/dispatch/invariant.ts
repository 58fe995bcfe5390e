/**
 * A state the dispatcher's parts must never reach. Checked where the state changes, so that a broken
 * assumption fails loudly at its cause (the loop logs it and pauses) instead of leaking claims or stalling later.
 */
export function invariant(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`dispatcher invariant broken: ${message}`);
}
