/**
 * How a tool's failure reaches the model, through the SDK client on the real server object: our own error
 * families carry their message (with the context they were wrapped in, the cause kept); a programming
 * fault reaches the model as a generic failure, its detail in the log only, as the HTTP layer does.
 */
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { ContextError, prefixed, ResourceError } from '../../lib/errors';
import { createMcpServer, INTERNAL_TOOL_FAILURE, NO_SCHEMA_VALIDATION } from '../../lib/mcp/server';
import { defineTool, type ToolContext } from '../../lib/tools/types';
import { captureOutput } from '../helpers/capture-output';
import { logLevel, setLogLevel } from '../../lib/log';

const failing = (name: string, fault: () => Promise<never>) =>
  defineTool({
    name,
    description: name,
    annotations: 'read',
    input: () => z.object({}),
    output: () => z.object({}),
    handler: fault,
  });

const TOOLS = [
  failing('fault', () => Promise.reject(new TypeError("cannot read properties of undefined (reading 'secretThing')"))),
  failing('wrapped', () => prefixed('get chat', Promise.reject(new ResourceError('chat 42 was archived')))),
];

async function connect() {
  const server = createMcpServer(
    {
      version: 'test',
      tools: TOOLS,
      callBudgetMs: () => 5_000,
      // The tools above touch nothing of the context.
      context: (signal) => ({ signal }) as unknown as ToolContext,
      progressIntervalMs: 1_000,
    },
    'legacy',
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  return { client, close: () => Promise.all([client.close(), server.close()]) };
}

async function call(name: string) {
  const previous = logLevel();
  setLogLevel('ERROR');
  const output = captureOutput();
  const { client, close } = await connect();
  try {
    const result = await client.callTool({ name, arguments: {} });
    return { result, logs: output.all.join('') };
  } finally {
    await close();
    output.restore();
    setLogLevel(previous);
  }
}

it('answers a programming fault inside a tool with a generic failure and logs its detail', async () => {
  const { result, logs } = await call('fault');
  expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: INTERNAL_TOOL_FAILURE }] });
  expect(JSON.stringify(result)).not.toContain('secretThing');
  expect(logs).toContain('tool failed with an internal error');
  expect(logs).toContain('secretThing');
  expect(logs).toContain('"errorName":"TypeError"');
});

it('answers a failure of ours with its message, in the context it was wrapped in, and logs no internal error', async () => {
  const { result, logs } = await call('wrapped');
  expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'get chat: chat 42 was archived' }] });
  expect(logs).not.toContain('internal error');
});

it('wraps a failure instead of editing it: the cause keeps its message and family, the wrapper its code', async () => {
  const cause = new ResourceError('chat 42 was archived');
  const wrapped = await prefixed('get chat', Promise.reject(cause)).catch((err: unknown) => err);
  expect(wrapped).toBeInstanceOf(ContextError);
  expect(wrapped).toMatchObject({ message: 'get chat: chat 42 was archived', code: 'resource', cause });
  expect(cause.message).toBe('chat 42 was archived');
  // A fault is not dressed up as one of ours.
  const fault = new TypeError('x');
  await expect(prefixed('get chat', Promise.reject(fault))).rejects.toBe(fault);
});

it('validates no elicitation answers (the server never elicits, and the bundle carries no Ajv), saying so', () => {
  expect(() => NO_SCHEMA_VALIDATION.getValidator({ type: 'object' })).toThrow(
    /does not validate elicitation answers: it never elicits/,
  );
});
