/**
 * The reference for bench/coldstart.ts: the least an MCP Lambda in TypeScript can be. The bare MCP
 * SDK web-standard transport, zod and ws, serving one trivial tool from an HTTP API (v2) event.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import WebSocket from 'ws';
import { z } from 'zod';

interface V2Event {
  rawPath: string;
  headers: Record<string, string>;
  body?: string;
  requestContext: { http: { method: string } };
}

export async function handler(event: V2Event) {
  const server = new McpServer({ name: 'reference', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echo', inputSchema: { text: z.string() } }, ({ text }) => ({
    // ws is part of the floor (the project needs it for Coder's WebSockets); keep it in the bundle.
    content: [{ type: 'text', text: `${text} ${WebSocket.OPEN}` }],
  }));
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  const request = new Request(`https://x${event.rawPath}`, {
    method: event.requestContext.http.method,
    headers: event.headers,
    body: event.body,
  });
  const response = await transport.handleRequest(request);
  const body = await response.text();
  await server.close();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return { statusCode: response.status, headers, body };
}
