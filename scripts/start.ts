/**
 * `npm start`: the MCP server on 127.0.0.1 through the Lambda handler. With CODER_URL it serves that
 * deployment (as CODER_SESSION_TOKEN's user for callers that bring no token); without it, it starts
 * the local Coder simulator with demo data and says so. Prints a client configuration ready to paste.
 */
import { parseConfig } from '../lib/config';
import { makeResponder } from '../lib/handler';
import { startLocalServer } from '../lib/local/server';
import { startSimulator, type Simulator } from '../test/sim';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  let sim: Simulator | undefined;
  const env = { ...process.env };
  if (!env.CODER_URL) {
    sim = await startSimulator();
    env.CODER_URL = sim.url;
    env.CODER_SESSION_TOKEN = sim.demo.user.token;
    console.log(`No Coder deployment configured (CODER_URL is not set): using the local Coder simulator at ${sim.url}`);
    console.log(`  demo user "${sim.demo.user.username}", template "docker", running workspace "${sim.demo.workspaceName}"`);
  }
  // The local server writes answers as they come, like the deployed streaming entry: progress reaches clients.
  env.MCP_STREAM_RESPONSES ??= 'true';
  let config = parseConfig(env);
  const server = await startLocalServer({ respond: makeResponder(() => config), port });
  // Browser-based clients (the MCP Inspector) call from the server's own origin; the port is known only now.
  const origins = [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`];
  config = parseConfig({ ...env, MCP_ALLOWED_ORIGINS: [env.MCP_ALLOWED_ORIGINS, ...origins].filter(Boolean).join(',') });
  const mcpUrl = `${server.url}/mcp`;
  console.log(`\nCoder MCP server listening on ${mcpUrl} (serving ${config.coderUrl})`);
  console.log(
    config.serviceToken
      ? 'Callers without a token act as the CODER_SESSION_TOKEN user; send "Authorization: Bearer <token>" to act as yourself.'
      : 'Callers must send their own Coder token: "Authorization: Bearer <token>" or "Coder-Session-Token: <token>".',
  );
  printClientConfig(mcpUrl, !config.serviceToken);

  const stop = async () => {
    await server.close();
    await sim?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/** Ready-to-paste configuration for the common MCP clients; a token header only where callers must bring one. */
function printClientConfig(mcpUrl: string, needsToken: boolean): void {
  const headers = needsToken ? { headers: { Authorization: 'Bearer ${env:CODER_TOKEN}' } } : {};
  const server = { type: 'http', url: mcpUrl, ...headers };
  const claudeHeader = needsToken ? ' --header "Authorization: Bearer $CODER_TOKEN"' : '';
  console.log(`\nClaude Code:\n  claude mcp add --transport http coder ${mcpUrl}${claudeHeader}`);
  console.log(`\nCursor (~/.cursor/mcp.json):\n${JSON.stringify({ mcpServers: { coder: server } }, null, 2)}`);
  console.log(`\nVS Code (.vscode/mcp.json):\n${JSON.stringify({ servers: { coder: server } }, null, 2)}`);
  console.log(`\nMCP Inspector: npx @modelcontextprotocol/inspector, transport "Streamable HTTP", URL ${mcpUrl}${needsToken ? ', header Authorization: Bearer <token>' : ''}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
