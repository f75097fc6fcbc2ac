/** The caller's own Coder user. */
import { z } from 'zod';
import { anyJson } from '../coder/schemas';
import { defineTool } from './types';

export const getAuthenticatedUser = defineTool({
  name: 'coder_get_authenticated_user',
  description: 'Get the currently authenticated user, like the `whoami` command.',
  annotations: 'read',
  input: z.object({}),
  handler: (_args, { coder }) => coder.get('/api/v2/users/me', anyJson),
});
