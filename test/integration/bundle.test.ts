/**
 * The Lambda bundle as deployed: `npm run build` (esbuild, one minified file) carries no test code
 * or simulator, and the built file answers an API Gateway event on its own.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const NODE22 = path.join(ROOT, 'test', 'conformance', 'node_modules', '.bin', 'node');

it('builds one minified handler without test code that serves /healthz', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'bundle-'));
  try {
    const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const { stdout } = await run(process.execPath, [tsx, path.join(ROOT, 'scripts', 'build.ts'), '--outdir', out], { cwd: ROOT });
    expect(stdout).toMatch(/handler\.js: \d+ bytes/);
    const meta = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs);
    expect(inputs.some((i) => i.startsWith('lib/handler.ts'))).toBe(true);
    expect(inputs.some((i) => i.startsWith('lib/stream.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('test/') || i.includes('jest') || i.includes('node-pty'))).toEqual([]);

    const script = `
      process.env.CODER_URL = 'https://coder.example.com';
      const { handler, streamHandler } = require(${JSON.stringify(path.join(out, 'handler.js'))});
      // Outside the Lambda runtime the streaming entry falls back to the buffered one.
      if (streamHandler !== handler) throw new Error('streamHandler should be the buffered handler outside Lambda');
      handler({ version: '2.0', rawPath: '/healthz', rawQueryString: '', headers: { host: 'x.lambda-url.us-east-1.on.aws' },
        requestContext: { http: { method: 'GET' }, stage: '$default', requestId: 'r' }, isBase64Encoded: false })
        .then((r) => process.stdout.write(JSON.stringify(r)));`;
    // The machine's Node, and the Node 22 that test/conformance brings (the Lambda runs a current Node).
    for (const node of [process.execPath, NODE22]) {
      const { stdout: result } = await run(node, ['-e', script], { cwd: out });
      const parsed = JSON.parse(result.slice(result.indexOf('{"statusCode"'))) as { statusCode: number; body: string };
      expect(parsed.statusCode).toBe(200);
      expect(JSON.parse(parsed.body)).toMatchObject({ status: 'ok' });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);
