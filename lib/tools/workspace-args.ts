/** Argument schemas shared by the workspace tools. */
import * as z from 'zod';

export const workspaceArg = z
  .string()
  .describe(
    'The workspace as "[owner/]workspace[.agent]". The agent may be left out when the workspace has exactly one.',
  );

export const absolutePath = (what: string) =>
  z
    .string()
    .refine((p) => p.startsWith('/'), { message: 'must be an absolute path' })
    // No file system takes a NUL in a path, and the agent's shell would silently drop it and name another file.
    .refine((p) => !p.includes('\0'), { message: 'must not contain a NUL character' })
    .describe(`Absolute path of the ${what} in the workspace.`);
