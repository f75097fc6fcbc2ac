/**
 * `npm start`: the MCP server on 127.0.0.1 through the Lambda handler. With CODER_URL it serves that
 * deployment (as CODER_SESSION_TOKEN's user for callers that bring no token); without it, it starts
 * the local Coder simulator with demo data and says so. Sign-in with Coder (OAuth) is on unless
 * MCP_OAUTH=false, with a sealing key made for this run. Prints client configurations ready to paste.
 */
// First, as in the Lambda entry (lib/stream.ts): zod's settings apply to the schemas built after them.
import '../lib/zod-config';
import { randomBytes } from 'node:crypto';
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
    console.log(`No Coder deployment configured (CODER_URL is not set): using the local Coder simulator at ${sim.url}`);
    console.log(
      `  demo user "${sim.demo.user.username}", template "docker", running workspace "${sim.demo.workspaceName}"`,
    );
  }
  env.MCP_OAUTH ??= 'true';
  // A key for this run only: tokens issued now stop working when the server stops, as nothing is stored.
  if (env.MCP_OAUTH === 'true' && !env.MCP_OAUTH_KEYS && !env.MCP_OAUTH_KMS_KEY_ID)
    env.MCP_OAUTH_KEYS = `local:${randomBytes(32).toString('base64url')}`;
  // The local server writes answers as they come, like the deployed streaming entry: progress reaches clients.
  env.MCP_STREAM_RESPONSES ??= 'true';
  let config = parseConfig(env);
  const server = await startLocalServer({ respond: makeResponder(() => config), port });
  // Browser-based clients call from the server's own origin (known only now) or, for the MCP Inspector's
  // "Direct" connection, from its page on port 6274.
  const origins = [
    `http://127.0.0.1:${server.port}`,
    `http://localhost:${server.port}`,
    'http://localhost:6274',
    'http://127.0.0.1:6274',
  ];
  config = parseConfig({
    ...env,
    MCP_ALLOWED_ORIGINS: [env.MCP_ALLOWED_ORIGINS, ...origins].filter(Boolean).join(','),
  });
  const mcpUrl = `${server.url}/mcp`;
  console.log(`\nCoder MCP server listening on ${mcpUrl} (serving ${config.coderUrl})`);
  if (config.serviceToken) {
    console.log(
      'Callers without a token act as the CODER_SESSION_TOKEN user; send "Authorization: Bearer <token>" to act as yourself.',
    );
  } else if (config.oauth) {
    console.log('Clients sign in with Coder (OAuth): they open a browser to sign in and consent, no token to paste.');
    if (sim) console.log(`  simulator sign-in: email ${sim.demo.user.email}, password ${sim.demo.user.password}`);
    console.log(
      `  or send a Coder token: "Authorization: Bearer <token>"${sim ? ` (the demo user's: ${sim.demo.user.token})` : ''}`,
    );
  } else {
    console.log(
      'Callers must send their own Coder token: "Authorization: Bearer <token>" or "Coder-Session-Token: <token>".',
    );
  }
  printClientConfig(mcpUrl, !config.serviceToken && !config.oauth);

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
  // VS Code's own variable syntax, written into its settings as is.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${env:...} for VS Code to expand
  const headers = needsToken ? { headers: { Authorization: 'Bearer ${env:CODER_TOKEN}' } } : {};
  const server = { type: 'http', url: mcpUrl, ...headers };
  const claudeHeader = needsToken ? ' --header "Authorization: Bearer $CODER_TOKEN"' : '';
  console.log(`\nClaude Code:\n  claude mcp add --transport http coder ${mcpUrl}${claudeHeader}`);
  console.log(`\nCursor (~/.cursor/mcp.json):\n${JSON.stringify({ mcpServers: { coder: server } }, null, 2)}`);
  console.log(`\nVS Code (.vscode/mcp.json):\n${JSON.stringify({ servers: { coder: server } }, null, 2)}`);
  console.log(
    `\nMCP Inspector: npx @modelcontextprotocol/inspector, transport "Streamable HTTP", URL ${mcpUrl}` +
      (needsToken
        ? ', header Authorization: Bearer <token>'
        : '; press Connect (or "Open Auth Settings", then "Quick OAuth Flow") to sign in with Coder'),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
