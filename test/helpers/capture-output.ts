/**
 * Captures what the process writes to stdout and stderr until `restore()`. Both, always: Powertools
 * Logger writes warn and error lines to stderr, and Powertools Metrics writes EMF to stdout.
 */
export interface CapturedOutput {
  stdout: string[];
  stderr: string[];
  /** Everything written to either stream, in order. */
  all: string[];
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const out: CapturedOutput = { stdout: [], stderr: [], all: [], restore: () => undefined };
  const spies = (['stdout', 'stderr'] as const).map((name) =>
    jest.spyOn(process[name], 'write').mockImplementation((chunk: string | Uint8Array) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      out[name].push(text);
      out.all.push(text);
      return true;
    }),
  );
  out.restore = () => {
    for (const spy of spies) spy.mockRestore();
  };
  return out;
}
