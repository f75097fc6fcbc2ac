/** Argument schemas shared by the workspace tools. */
import { z } from 'zod';

export const workspaceArg = z
  .string()
  .describe('The workspace as "[owner/]workspace[.agent]". The agent may be left out when the workspace has exactly one.');

export const absolutePath = (what: string) =>
  z
    .string()
    .refine((p) => p.startsWith('/'), { message: 'must be an absolute path' })
    .describe(`Absolute path of the ${what} in the workspace.`);
