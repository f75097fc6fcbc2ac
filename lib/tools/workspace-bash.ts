/** coder_workspace_bash: runs a command in the workspace through the pooled agent channel (contract §2.6). */
import * as z from 'zod';
import { InvalidArgumentError } from '../errors';
import { exec } from '../tunnel/ops';
import { defineTool } from './types';
import { workspaceArg } from './workspace-args';

const DEFAULT_TIMEOUT_MS = 60_000;
/** Kept back from the call's deadline so a slow command still ends as exit 124 with its output, not as a deadline error. */
const RESULT_MARGIN_MS = 1_500;

export const workspaceBash = defineTool({
  name: 'coder_workspace_bash',
  description: `Run a shell command in a workspace and return its combined stdout and stderr and its exit code.

The command runs with sh -c in the agent's home directory, without a terminal and with stdin closed.
timeout_ms (default 60000, at most 300000) ends a command that runs too long: it is killed and the exit
code is 124 with "Command canceled due to timeout". With background=true the command is started with
nohup and keeps running after the call; its output is collected until timeout_ms and the result says
"Command continues running in background". Very long output is cut (the note says how much there was):
redirect big output to a file and read it with coder_workspace_read_file.`,
  annotations: 'destructive',
  input: () =>
    z.object({
      workspace: workspaceArg,
      command: z.string().describe('The command to run.'),
      timeout_ms: z
        .number()
        .int()
        .min(1)
        .default(DEFAULT_TIMEOUT_MS)
        .describe('Time limit in milliseconds (default 60000, capped at 300000 and by the call deadline).'),
      background: z
        .boolean()
        .optional()
        .describe('Start the command in the background with nohup; it keeps running after the call returns.'),
    }),
  output: () =>
    z.object({
      output: z.string().describe('Combined stdout and stderr, trimmed.'),
      exit_code: z
        .number()
        .int()
        .describe('The exit code; 124 when the command was stopped at its timeout or left running in the background.'),
    }),
  handler: async (args, { agents, signal, budgetMs, progress }) => {
    if (!args.workspace) throw new InvalidArgumentError('workspace name cannot be empty');
    if (!args.command) throw new InvalidArgumentError('command cannot be empty');
    const timeoutMs = Math.max(1, Math.min(args.timeout_ms, 300_000, budgetMs() - RESULT_MARGIN_MS));
    const background = args.background === true;
    // The output comes back when the command ends; until then a client that asked hears that it still runs.
    const stopBeats = progress.keepAlive('the command');
    const result = await agents
      .run(args.workspace, signal, (channel) =>
        exec(channel, { command: args.command, timeoutMs, background, capBytes: agents.opts.outputCapBytes }, signal),
      )
      .finally(stopBeats);
    let output = result.output.toString('utf8').trim();
    if (result.totalBytes > result.output.length) {
      output += `\n[output truncated: showing the first ${result.output.length} of ${result.totalBytes} bytes; redirect the output to a file and read it in parts]`;
    }
    const timedOut = background ? result.stillRunning : isTimeout(result.exitCode, result.elapsedMs, timeoutMs);
    if (timedOut) {
      return {
        output: `${output}\n${background ? 'Command continues running in background' : 'Command canceled due to timeout'}`,
        exit_code: 124,
      };
    }
    return { output, exit_code: result.exitCode };
  },
});

/** GNU timeout reports 124; busybox reports the signal (143 TERM, 137 KILL): count those as a timeout only when the time was really up. */
export function isTimeout(exitCode: number, elapsedMs: number, timeoutMs: number): boolean {
  return exitCode === 124 || ((exitCode === 137 || exitCode === 143) && elapsedMs >= timeoutMs);
}
