/** The caller's own Coder user. */
import * as z from 'zod';
import { userSchema } from '../coder/schemas';
import { defineTool } from './types';

export const getAuthenticatedUser = defineTool({
  name: 'coder_get_authenticated_user',
  description: 'Get the currently authenticated user, like the `whoami` command.',
  annotations: 'read',
  input: () => z.object({}),
  output: () => userSchema,
  handler: (_args, { coder }) => coder.get('/api/v2/users/me', userSchema),
});
