/**
 * A whole local stack for a test: the Coder simulator, the local server (the Lambda handler behind
 * the API Gateway v2 adapter), and helpers to reach it with the official MCP SDK client over HTTP.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { clearVerified } from '../../lib/auth/verified';
import { parseConfig, type Config } from '../../lib/config';
import { makeResponder } from '../../lib/handler';
import { startLocalServer, type LocalServer } from '../../lib/local/server';
import { startSimulator, type Simulator, type SimulatorOptions } from '../sim';

export interface Stack {
  sim: Simulator;
  server: LocalServer;
  config: Config;
  mcpUrl: string;
  close(): Promise<void>;
}

export interface StackOptions {
  sim?: SimulatorOptions;
  /** Extra environment for the server's configuration (CODER_URL is the simulator's). */
  env?: Record<string, string>;
  /** Point the server at this Coder URL instead of the simulator's (e.g. a closed port). */
  coderUrl?: string;
  /** Allow browser requests from the local server's own origin, as `npm start` does. */
  allowOwnOrigin?: boolean;
  /** Serve callers without a token as the simulator's demo user (service-token mode). */
  serviceToken?: boolean;
  /** Emulated Lambda timeout: the handler sees its remaining time shrink as in AWS. */
  invocationTimeoutMs?: number;
  /** The API Gateway whose events the handler gets (lib/local/events.ts): the HTTP API's by default, or the REST API's. */
  gateway?: 'http-api' | 'rest-api';
  /**
   * Put a proxy between the server and the simulator (e.g. `startNginx` from ./nginx): it gets the
   * simulator's URL, its own URL becomes CODER_URL (unless `coderUrl` is given), and it is closed with the stack.
   */
  proxy?: (simUrl: string) => Promise<{ url: string; close(): Promise<void> }>;
  /**
   * More environment computed once the server listens, for settings that name its URL (e.g. an OAuth2 app
   * registered in the simulator with `<server>/oauth/callback` as its redirect URI). Merged over `env`;
   * requests see it from the first one on (the handler reads the config per request).
   */
  lateEnv?: (started: { sim: Simulator; serverUrl: string }) => Record<string, string>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  clearVerified();
  const sim = await startSimulator({ buildStepMs: 20, ...opts.sim });
  let proxy: { url: string; close(): Promise<void> } | undefined;
  try {
    proxy = await opts.proxy?.(sim.url);
  } catch (err) {
    await sim.close();
    throw err;
  }
  // The local server streams answers as the deployed entry does.
  const env: Record<string, string> = {
    CODER_URL: opts.coderUrl ?? proxy?.url ?? sim.url,
    MCP_STREAM_RESPONSES: 'true',
    ...opts.env,
  };
  if (opts.serviceToken) env.CODER_SESSION_TOKEN = sim.demo.user.token;
  let config = parseConfig(env);
  const server = await startLocalServer({
    respond: makeResponder(() => config),
    invocationTimeoutMs: opts.invocationTimeoutMs,
    gateway: opts.gateway,
  });
  if (opts.allowOwnOrigin || opts.lateEnv) {
    // The port is known only once the server listens; the handler reads the config per request.
    const own = opts.allowOwnOrigin
      ? { MCP_ALLOWED_ORIGINS: `http://127.0.0.1:${server.port},http://localhost:${server.port}` }
      : {};
    try {
      config = parseConfig({ ...env, ...own, ...opts.lateEnv?.({ sim, serverUrl: server.url }) });
    } catch (err) {
      await server.close();
      await proxy?.close();
      await sim.close();
      throw err;
    }
  }
  return {
    sim,
    server,
    get config() {
      return config;
    },
    mcpUrl: `${server.url}/mcp`,
    close: async () => {
      await server.close();
      await proxy?.close();
      await sim.close();
    },
  };
}

export interface ClientOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Append to the MCP URL, e.g. '?toolset=chatgpt'. */
  query?: string;
}

/** The official SDK client, connected (initialize done) over streamable HTTP. */
export async function connectClient(stack: Stack, opts: ClientOptions = {}): Promise<Client> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const transport = new StreamableHTTPClientTransport(new URL(`${stack.mcpUrl}${opts.query ?? ''}`), {
    requestInit: { headers },
  });
  const client = new Client({ name: 'coder-mcp-lambda-tests', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns its result with the text parsed. */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  const text = first && first.type === 'text' ? first.text : '';
  return { isError: result.isError === true, text, json: () => JSON.parse(text) as unknown, result };
}

/** A raw POST to the MCP endpoint, for what the SDK client would never send. */
export function postMcp(stack: Stack, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(stack.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
  });
}

export const INIT_REQUEST = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
