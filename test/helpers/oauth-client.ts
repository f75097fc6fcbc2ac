/**
 * An MCP SDK client that signs in with the SDK's own OAuth support, as Claude Code or the MCP Inspector
 * do: an in-memory `OAuthClientProvider`, the transport's 401 handling (discovery, registration,
 * PKCE, the authorization URL), a scripted browser for the person's part, then `finishAuth` with the
 * code that reached the redirect URI. The redirect URI is a loopback address nothing listens on: the
 * browser stops there, as a CLI's one-shot listener would take the code.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';

export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  stored: OAuthTokens | undefined;
  verifier = '';
  /** Where the SDK wanted to send the browser, last time. */
  authorizationUrl: URL | undefined;

  constructor(
    readonly redirectUrl: string,
    private readonly authMethod: 'none' | 'client_secret_basic' | 'client_secret_post' = 'none',
    private readonly name = 'coder-mcp-lambda tests',
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: this.authMethod,
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The person's part: open the authorization URL, sign in, consent; returns the URL the browser was sent back to. */
export type BrowserStep = (authorizationUrl: URL, redirectUrl: string) => Promise<string>;

/**
 * Connects as an MCP client would on first use: the first attempt ends in 401, the SDK runs discovery
 * and registration and asks for the browser; the code the browser brings back finishes the sign-in, and
 * a second connection (with the tokens now held) initializes.
 */
export async function signInAndConnect(
  mcpUrl: string,
  provider: MemoryOAuthProvider,
  browser: BrowserStep,
): Promise<Client> {
  const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider });
  const probe = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await expectUnauthorized(probe.connect(first));
  if (!provider.authorizationUrl) throw new Error('the SDK never asked for the browser');
  const landed = await browser(provider.authorizationUrl, provider.redirectUrl);
  const back = new URL(landed);
  const code = back.searchParams.get('code');
  if (!code)
    throw new Error(
      `the sign-in came back without a code: ${back.searchParams.get('error')}: ${back.searchParams.get('error_description')}`,
    );
  await first.finishAuth(code);
  return connectWithTokens(mcpUrl, provider);
}

export async function connectWithTokens(mcpUrl: string, provider: MemoryOAuthProvider): Promise<Client> {
  const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: provider }));
  return client;
}

async function expectUnauthorized(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (err instanceof UnauthorizedError) return;
    throw err;
  }
  throw new Error('expected the first connection to need a sign-in');
}
