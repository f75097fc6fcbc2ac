/**
 * Waiting for something outside the code under test to happen (a command to start on the simulated
 * agent, the simulator to end an orphaned session), checked every few milliseconds rather than slept
 * through for a guessed time. Gives up with a message naming what never happened.
 */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting ${timeoutMs} ms for ${what}`);
    // A short timer, not setImmediate: the check should not keep a core busy on a shared machine.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
