/**
 * Waiting for something outside the code under test to happen (a command to start on the simulated
 * agent, the simulator to end an orphaned session), checked on every turn of the event loop rather than
 * slept through for a guessed time. Gives up with a message naming what never happened.
 */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting ${timeoutMs} ms for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
