/**
 * MCP prompts (spec: server/prompts): `prompts/list` and `prompts/get` for the prompts a request is
 * offered, as coderd/mcp/mcp.go `RegisterSDKPrompt` serves them: the prompt's description, and its text
 * as one user-role message. Errors follow the spec's table: an unknown prompt and a missing required
 * argument are invalid params (-32602), with coderd's text for the latter.
 */
import { ProtocolErrorCode, type Server } from '@modelcontextprotocol/server';
import { PromptArgumentError, type PromptSpec } from '../tools/chats-prompts';
import { echoName, RpcError } from './rpc-error';

/** The capability to announce at initialize: none without prompts (prompts/list is then "method not found", as on a go-sdk server without prompts). */
export function promptsCapability(prompts: readonly PromptSpec[]): { prompts?: Record<string, never> } {
  return prompts.length > 0 ? { prompts: {} } : {};
}

export function registerPrompts(server: Server, prompts: readonly PromptSpec[]): void {
  if (prompts.length === 0) return;
  const byName = new Map(prompts.map((p) => [p.name, p]));
  server.setRequestHandler('prompts/list', () => ({
    // The go-sdk's PromptArgument leaves `required` out when false (omitempty).
    prompts: prompts.map((p) => ({
      name: p.name,
      description: p.description,
      arguments: p.arguments.map((a) => ({
        name: a.name,
        description: a.description,
        ...(a.required ? { required: true } : {}),
      })),
    })),
  }));
  server.setRequestHandler('prompts/get', (req) => {
    const prompt = byName.get(req.params.name);
    if (!prompt) throw new RpcError(ProtocolErrorCode.InvalidParams, `unknown prompt ${echoName(req.params.name)}`);
    let text: string;
    try {
      text = prompt.render(req.params.arguments ?? {});
    } catch (err) {
      if (err instanceof PromptArgumentError) throw new RpcError(ProtocolErrorCode.InvalidParams, err.message);
      throw err;
    }
    return { description: prompt.description, messages: [{ role: 'user', content: { type: 'text', text } }] };
  });
}
