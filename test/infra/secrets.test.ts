/**
 * No secret reaches the cloud assembly, even when the shell running `cdk synth` holds one: tokens
 * planted in the environment appear in no template, manifest, bundle or source map, and the
 * function's environment names the service token's SSM parameter, never the token.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { synth } from './synth';

/** Everything a deployer's shell might hold that the function could want, each with a value no template could contain by chance. */
const PLANTED: Record<string, string> = {
  ...Object.fromEntries(
    ['CODER_SESSION_TOKEN', 'CODER_TOKEN', 'CODER_AGENT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'].map(
      (name) => [name, `planted-${name}-${randomUUID()}`],
    ),
  ),
  // A parameter name from the environment must not replace the one in the settings either.
  CODER_SESSION_TOKEN_PARAMETER: `/planted/${randomUUID()}`,
};
const PARAMETER = '/coder-mcp/service-token';

/** Runs fn with vars set in process.env, and puts back what was there (or nothing) afterwards. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function assemblyFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe.each(['caller', 'service'] as const)('synth in %s mode with tokens in the environment', (authMode) => {
  const before = Object.fromEntries(Object.keys(PLANTED).map((k) => [k, process.env[k]]));
  let out: ReturnType<typeof synth>;
  beforeAll(() => {
    out = withEnv(PLANTED, () =>
      synth({
        coderUrl: 'https://coder.example.com',
        authMode,
        ...(authMode === 'service' ? { serviceTokenParameterName: PARAMETER } : {}),
      }),
    );
  });
  afterAll(() => out.cleanup());

  it('writes none of their values anywhere in the cloud assembly, the bundle included', () => {
    const files = assemblyFiles(out.directory);
    expect(files.some((f) => f.endsWith('index.js'))).toBe(true);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [name, value] of Object.entries(PLANTED))
        expect([file, name, text.includes(value)]).toEqual([file, name, false]);
    }
  });

  it('gives the function no token variable, only the parameter name from the settings in service mode', () => {
    expect(out.raw).not.toMatch(/"CODER_SESSION_TOKEN"/);
    const [fn] = Object.values(
      out.template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.streamHandler' } }),
    );
    const variables = fn?.Properties.Environment.Variables as Record<string, string>;
    const secretish = Object.keys(variables).filter((k) => /token|secret|password|key/i.test(k));
    if (authMode === 'service') {
      expect(secretish).toEqual(['CODER_SESSION_TOKEN_PARAMETER']);
      expect(variables.CODER_SESSION_TOKEN_PARAMETER).toBe(PARAMETER);
    } else {
      // OAuth, on by default in caller mode: the KMS key's ARN (its key material never leaves KMS), the key versions and a flag.
      expect(secretish).toEqual(['MCP_OAUTH_KMS_KEY_ID', 'MCP_OAUTH_KEY_VERSIONS', 'MCP_ACCEPT_CODER_TOKENS']);
      expect(variables.MCP_OAUTH_KMS_KEY_ID).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OAuthKey/), 'Arn'] });
      expect([variables.MCP_OAUTH_KEY_VERSIONS, variables.MCP_ACCEPT_CODER_TOKENS]).toEqual(['1', 'true']);
    }
  });

  it('leaves the environment as it was', () => {
    expect(Object.fromEntries(Object.keys(PLANTED).map((k) => [k, process.env[k]]))).toEqual(before);
  });
});
