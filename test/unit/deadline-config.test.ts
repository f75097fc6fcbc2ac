/** The call budget rule and configuration parsing. */
import { parseConfig } from '../../lib/config';
import { callBudgetMs } from '../../lib/mcp/deadline';
import { parseSearchQuery } from '../../lib/tools/chatgpt';

describe('callBudgetMs', () => {
  it('takes the tool timeout when the invocation has time', () => {
    expect(callBudgetMs({ toolTimeoutMs: 300_000, remainingMs: Infinity, marginMs: 1000 })).toBe(300_000);
  });
  it("never exceeds coderd's 5-minute handler cap, whatever the configured tool timeout", () => {
    expect(callBudgetMs({ toolTimeoutMs: 900_000, remainingMs: Infinity, marginMs: 1000 })).toBe(300_000);
    expect(callBudgetMs({ toolTimeoutMs: 60_000, remainingMs: Infinity, marginMs: 1000 })).toBe(60_000);
  });
  it('stays inside the Lambda remaining time minus the margin', () => {
    expect(callBudgetMs({ toolTimeoutMs: 300_000, remainingMs: 29_000, marginMs: 1000 })).toBe(28_000);
  });
  it('stays inside the API Gateway integration timeout minus the margin when one is set', () => {
    // API Gateway's streaming integration cuts an idle answer at 5 minutes; the stack sets 290 s.
    expect(
      callBudgetMs({ toolTimeoutMs: 300_000, remainingMs: Infinity, marginMs: 1000, integrationTimeoutMs: 290_000 }),
    ).toBe(289_000);
    expect(
      callBudgetMs({ toolTimeoutMs: 300_000, remainingMs: 100_000, marginMs: 1000, integrationTimeoutMs: 290_000 }),
    ).toBe(99_000);
    expect(
      callBudgetMs({ toolTimeoutMs: 60_000, remainingMs: Infinity, marginMs: 1000, integrationTimeoutMs: 290_000 }),
    ).toBe(60_000);
    expect(
      callBudgetMs({ toolTimeoutMs: 300_000, remainingMs: Infinity, marginMs: 1000, integrationTimeoutMs: undefined }),
    ).toBe(300_000);
  });
  it('is zero, never negative, when no time is left', () => {
    expect(callBudgetMs({ toolTimeoutMs: 300_000, remainingMs: 500, marginMs: 1000 })).toBe(0);
  });
});

describe('parseConfig', () => {
  it('applies defaults and trims trailing slashes', () => {
    const c = parseConfig({
      CODER_URL: 'https://coder.example.com/',
      MCP_ALLOWED_ORIGINS: 'https://a.example, https://b.example/',
    });
    expect(c).toMatchObject({
      coderUrl: 'https://coder.example.com',
      serviceToken: undefined,
      allowedOrigins: ['https://a.example', 'https://b.example'],
      maxBodyBytes: 4 * 1024 * 1024,
      toolTimeoutMs: 300_000,
    });
  });
  it('reads the optional integration timeout, with no default', () => {
    expect(parseConfig({ CODER_URL: 'https://x.example' }).integrationTimeoutMs).toBeUndefined();
    expect(
      parseConfig({ CODER_URL: 'https://x.example', MCP_INTEGRATION_TIMEOUT_MS: '290000' }).integrationTimeoutMs,
    ).toBe(290_000);
    expect(() => parseConfig({ CODER_URL: 'https://x.example', MCP_INTEGRATION_TIMEOUT_MS: '-5' })).toThrow(
      /MCP_INTEGRATION_TIMEOUT_MS/,
    );
    expect(() => parseConfig({ CODER_URL: 'https://x.example', MCP_INTEGRATION_TIMEOUT_MS: 'soon' })).toThrow(
      /MCP_INTEGRATION_TIMEOUT_MS/,
    );
  });
  it('names the missing or malformed setting', () => {
    expect(() => parseConfig({})).toThrow(/CODER_URL/);
    expect(() => parseConfig({ CODER_URL: 'ftp://x' })).toThrow(/CODER_URL/);
    expect(() => parseConfig({ CODER_URL: 'https://x', MCP_MAX_BODY_BYTES: 'lots' })).toThrow(/MCP_MAX_BODY_BYTES/);
  });
});

describe('parseSearchQuery', () => {
  it('splits the kind from the filter', () => {
    expect(parseSearchQuery('templates')).toEqual({ kind: 'templates', filter: '' });
    expect(parseSearchQuery('workspaces/owner:alice status:running')).toEqual({
      kind: 'workspaces',
      filter: 'owner:alice status:running',
    });
  });
  it('refuses other kinds with a correctable message', () => {
    expect(() => parseSearchQuery('users/x')).toThrow(/invalid query/);
  });
});
