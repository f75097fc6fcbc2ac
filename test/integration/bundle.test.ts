/**
 * The Lambda bundle as deployed: `npm run build` (esbuild, one minified file) carries no test code
 * or simulator, and the built file answers an API Gateway event on its own.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { z } from 'zod';
import { slimDependencies } from '../../scripts/bundle';

const run = promisify(execFile);

/** The parts of esbuild's metafile read here: every input, and how many bytes each wrote into each output. */
const MetafileSchema = z.object({
  inputs: z.record(z.string(), z.unknown()),
  outputs: z.record(z.string(), z.object({ inputs: z.record(z.string(), z.object({ bytesInOutput: z.number() })) })),
});

/** Bytes each input wrote into the outputs, summed. */
function bytesInOutput(meta: z.infer<typeof MetafileSchema>): Map<string, number> {
  const written = new Map<string, number>();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      written.set(input, (written.get(input) ?? 0) + bytesInOutput);
    }
  }
  return written;
}
const ROOT = path.join(__dirname, '..', '..');
const NODE22 = path.join(ROOT, 'test', 'conformance', 'node_modules', '.bin', 'node');

it('builds one minified handler without test code that serves /healthz', async () => {
  const out = mkdtempSync(path.join(tmpdir(), 'bundle-'));
  try {
    const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const { stdout } = await run(process.execPath, [tsx, path.join(ROOT, 'scripts', 'build.ts'), '--outdir', out], {
      cwd: ROOT,
    });
    expect(stdout).toMatch(/handler\.js: \d+ bytes/);
    const meta = MetafileSchema.parse(JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')));
    const inputs = Object.keys(meta.inputs);
    expect(inputs.some((i) => i.startsWith('lib/handler.ts'))).toBe(true);
    expect(inputs.some((i) => i.startsWith('lib/stream.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('test/') || i.includes('jest') || i.includes('node-pty'))).toEqual([]);
    // scripts/bundle.ts's replacements: of zod's locales English alone, and no Ajv (the server never elicits).
    expect(inputs.filter((i) => i.includes('zod/v4/locales/') && !i.endsWith('/index.js'))).toEqual([
      'node_modules/zod/v4/locales/en.js',
    ]);
    expect(inputs.filter((i) => /node_modules\/(ajv|ajv-formats|fast-uri)\//.test(i))).toEqual([]);
    // The SDK's McpServer is dropped (its checks in createMcpHandler are edited to false): none of its messages is here.
    const bundle = readFileSync(path.join(out, 'handler.js'), 'utf8');
    expect(bundle).toContain('Server does not support tools');
    expect(bundle).not.toContain('is already registered');
    // zod is tree-shaken: our code imports it as a namespace (`import * as z`), so esbuild keeps only what is
    // used. A named `{ z }` import makes it build zod's whole namespace object, its JSON Schema reader with it.
    const written = bytesInOutput(meta);
    expect(written.get('node_modules/zod/v4/classic/schemas.js')).toBeGreaterThan(0);
    expect(written.get('node_modules/zod/v4/classic/from-json-schema.js') ?? 0).toBe(0);
    // The source map carries mappings only: Node parses it at every cold start (--enable-source-maps).
    const map = z
      .object({ sources: z.array(z.string()), mappings: z.string() })
      .passthrough()
      .parse(JSON.parse(readFileSync(path.join(out, 'handler.js.map'), 'utf8')));
    expect(map.sources.length).toBeGreaterThan(100);
    expect(map).not.toHaveProperty('sourcesContent');

    // zod compiles no parser at run time (lib/zod-config.ts, set before any schema is built): nothing constructs
    // a Function from a string while the bundle loads, parses the event and its configuration, and answers.
    const script = `
      let compiled = 0;
      globalThis.Function = new Proxy(Function, { construct(target, args) { compiled++; return Reflect.construct(target, args); } });
      process.env.CODER_URL = 'https://coder.example.com';
      const { handler, streamHandler } = require(${JSON.stringify(path.join(out, 'handler.js'))});
      // Outside the Lambda runtime the streaming entry falls back to the buffered one.
      if (streamHandler !== handler) throw new Error('streamHandler should be the buffered handler outside Lambda');
      handler({ version: '2.0', rawPath: '/healthz', rawQueryString: '', headers: { host: 'x.lambda-url.us-east-1.on.aws' },
        requestContext: { http: { method: 'GET' }, stage: '$default', requestId: 'r' }, isBase64Encoded: false })
        .then((r) => process.stdout.write(JSON.stringify({ compiled, ...r })));`;
    // The machine's Node, and the Node 22 that test/conformance brings (the Lambda runs a current Node).
    for (const node of [process.execPath, NODE22]) {
      const { stdout: result } = await run(node, ['-e', script], { cwd: out });
      const parsed = z
        .object({ compiled: z.number(), statusCode: z.number(), body: z.string() })
        .parse(JSON.parse(result.slice(result.indexOf('{"compiled"'))));
      expect(parsed.compiled).toBe(0);
      expect(parsed.statusCode).toBe(200);
      expect(JSON.parse(parsed.body)).toMatchObject({ status: 'ok' });
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 60_000);

/**
 * Bundles `entry.js` (with `files` beside it, by path under a temporary directory) through the replacements
 * alone, and returns the build's outcome.
 */
async function slimBuild(entry: string, files: Record<string, string> = {}): Promise<unknown> {
  const dir = mkdtempSync(path.join(tmpdir(), 'slim-'));
  try {
    for (const [name, contents] of Object.entries({ ...files, 'entry.js': entry })) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), contents);
    }
    return await build({
      entryPoints: [path.join(dir, 'entry.js')],
      bundle: true,
      write: false,
      logLevel: 'silent',
      plugins: [slimDependencies()],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('fails the build, naming the module, when a dependency no longer has a module the bundle replaces', async () => {
  // An entry that reaches neither zod nor the SDK stands for a dependency that moved its file.
  await expect(slimBuild('module.exports = 1;\n')).rejects.toThrow(
    /slim-dependencies: no module matched .*zod.*locales/,
  );
});

it('fails the build, naming the module, when an edited dependency module no longer reads as the edit expects', async () => {
  // The SDK's index without createMcpHandler's McpServer checks stands for an SDK that changed the code we edit.
  const index = 'node_modules/@modelcontextprotocol/server/dist/index.mjs';
  const attempt = slimBuild(`export { createMcpHandler } from './${index}';\n`, {
    [index]: 'export const createMcpHandler = () => undefined;\n',
  });
  await expect(attempt).rejects.toThrow(/index\\\.mjs.*or its edit changed nothing/);
});
