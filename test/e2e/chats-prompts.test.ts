/**
 * coderd's two prompts (codersdk/toolsdk/prompts.go, served as coderd/mcp/mcp.go `RegisterSDKPrompt`
 * does) through the MCP SDK client: the prompts capability, prompts/list, prompts/get with its
 * rendered text and argument errors, and each prompt offered only where every tool it names is.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectClient, postMcp, startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let client: Client;

beforeAll(async () => {
  stack = await startStack();
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
});

afterAll(async () => {
  await client.close();
  await stack.close();
});

it('announces the prompts capability and lists both prompts with their arguments, sorted by name', async () => {
  expect(client.getServerCapabilities()?.prompts).toEqual({});
  const { prompts } = await client.listPrompts();
  expect(prompts).toEqual([
    {
      name: 'coder_agents_check',
      description: 'Check the status and recent activity of an existing Coder Agents chat.',
      arguments: [{ name: 'chat_id', description: 'UUID of the Coder Agents chat to check.', required: true }],
    },
    {
      name: 'coder_agents_delegate',
      description: 'Delegate a coding task to a Coder Agents chat and monitor it to completion.',
      arguments: [
        {
          name: 'task',
          description: 'The task the Coder Agent should perform, including all context it needs.',
          required: true,
        },
        {
          name: 'model_config_id',
          description:
            'Optional model config UUID for the chat. When omitted, a model is picked from coder_list_chat_model_configs.',
        },
      ],
    },
  ]);
});

it('renders coder_agents_delegate as one user message walking through the chat tools', async () => {
  const res = await client.getPrompt({
    name: 'coder_agents_delegate',
    arguments: { task: '  Fix the flaky login test.  ' },
  });
  expect(res.description).toBe('Delegate a coding task to a Coder Agents chat and monitor it to completion.');
  expect(res.messages).toHaveLength(1);
  const [message] = res.messages;
  expect(message?.role).toBe('user');
  const text = message?.content.type === 'text' ? message.content.text : '';
  expect(text).toContain('<task>\nFix the flaky login test.\n</task>');
  expect(text).toContain(
    '1. Call coder_create_chat with the task above as the prompt. To pick a specific model, call coder_list_chat_model_configs first',
  );
  for (const tool of ['coder_get_chat', 'coder_get_chat_messages', 'coder_send_chat_message'])
    expect(text).toContain(tool);

  const withModel = await client.getPrompt({
    name: 'coder_agents_delegate',
    arguments: { task: 'x', model_config_id: 'abc-123' },
  });
  const modelText = withModel.messages[0]?.content.type === 'text' ? withModel.messages[0].content.text : '';
  expect(modelText).toContain(
    '1. Call coder_create_chat with the task above as the prompt and model_config_id "abc-123".',
  );
});

it('renders coder_agents_check for a chat id', async () => {
  const res = await client.getPrompt({
    name: 'coder_agents_check',
    arguments: { chat_id: '0b7e2f4c-5d1a-4e8b-9c3f-2a6d8e1f4b70' },
  });
  const text = res.messages[0]?.content.type === 'text' ? res.messages[0].content.text : '';
  expect(text.split('\n')[0]).toBe(
    'Check on the Coder Agents chat "0b7e2f4c-5d1a-4e8b-9c3f-2a6d8e1f4b70" and report back.',
  );
  expect(text).toContain('1. Call coder_get_chat with the chat_id');
});

it("answers a missing or blank required argument and an unknown prompt as invalid params, with coderd's text", async () => {
  const failure = async (name: string, args: Record<string, string>) => {
    try {
      await client.getPrompt({ name, arguments: args });
    } catch (err) {
      return err instanceof McpError ? { code: err.code, message: err.message } : { code: 0, message: String(err) };
    }
    throw new Error('the prompt did not fail');
  };
  expect(await failure('coder_agents_delegate', {})).toEqual({
    code: ErrorCode.InvalidParams,
    message: 'MCP error -32602: missing required prompt argument: task',
  });
  expect(await failure('coder_agents_check', { chat_id: '   ' })).toEqual({
    code: ErrorCode.InvalidParams,
    message: 'MCP error -32602: missing required prompt argument: chat_id',
  });
  expect(await failure('nope', {})).toEqual({
    code: ErrorCode.InvalidParams,
    message: 'MCP error -32602: unknown prompt "nope"',
  });
});

it('offers no prompts in the chatgpt toolset, which has none of their tools', async () => {
  const chatgpt = await connectClient(stack, { token: stack.sim.demo.user.token, query: '?toolset=chatgpt' });
  try {
    expect(chatgpt.getServerCapabilities()?.prompts).toBeUndefined();
    const list = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'prompts/list' });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${stack.sim.demo.user.token}`,
    };
    const raw = await fetch(`${stack.mcpUrl}?toolset=chatgpt`, { method: 'POST', headers, body: list });
    // No handler without the capability: "method not found"; the standard toolset answers the same request.
    expect(await raw.json()).toMatchObject({ id: 3, error: { code: ErrorCode.MethodNotFound } });
    expect(await (await postMcp(stack, list, { authorization: headers.authorization })).json()).toMatchObject({
      id: 3,
      result: { prompts: [{}, {}] },
    });
  } finally {
    await chatgpt.close();
  }
});

it('offers a prompt only where every tool it names is offered (coder_agents_delegate needs create and send)', async () => {
  const readOnly = await connectClient(stack, {
    token: stack.sim.demo.user.token,
    query: '?tools=coder_get_chat,coder_get_chat_messages',
  });
  try {
    expect((await readOnly.listPrompts()).prompts.map((p) => p.name)).toEqual(['coder_agents_check']);
    await expect(readOnly.getPrompt({ name: 'coder_agents_delegate', arguments: { task: 'x' } })).rejects.toThrow(
      'unknown prompt "coder_agents_delegate"',
    );
  } finally {
    await readOnly.close();
  }
});
