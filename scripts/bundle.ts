/**
 * Builds the Lambda bundle: one minified handler.js (from lib/stream.ts) with its source map, and, when
 * asked, the tracer's bundle beside it. `npm run build`, the CDK stack (which runs `npm run build`'s script)
 * and the cold-start benchmark all build through here, so what is measured is what is deployed.
 *
 * Two modules of our dependencies are replaced while bundling, because every byte of the bundle is read
 * at each cold start and these are bytes no request of ours runs:
 * - zod's locale table (`zod/v4/locales/index.js`, 64 languages, about 260 KB minified). zod re-exports
 *   it as `z.locales`, so no bundler can drop it; we keep English, the only one zod registers itself
 *   and the only one we use (error messages reach callers in English, as coderd's do).
 * - the MCP SDK's Node shims (`@modelcontextprotocol/server/dist/shimsNode.mjs`), which bring its default
 *   JSON Schema validator, Ajv with its formats (about 130 KB). The SDK uses it only to check elicitation
 *   answers; our server never elicits and passes its own validator, which refuses (lib/mcp/server.ts),
 *   so the SDK never builds the default. The stub keeps the shims' other export, `process`.
 * test/integration/bundle.test.ts checks the built bundle still answers and holds neither.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS, TRACER_FILE, tracerBundleOptions } from './bundle-options';

export const HANDLER_FILE = 'handler.js';
const ENTRY = path.join('lib', 'stream.ts');

/** What replaces a dependency's module in the bundle, keyed by the path (with `/` separators) it ends with. */
const REPLACEMENTS: ReadonlyArray<{ file: RegExp; contents: string }> = [
  {
    file: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/,
    contents: 'export { default as en } from "./en.js";\n',
  },
  {
    // The SDK's Node shims module: the default JSON Schema validator (Ajv) and `process`.
    file: /[\\/]node_modules[\\/]@modelcontextprotocol[\\/]server[\\/]dist[\\/]shimsNode\.mjs$/,
    contents: [
      'import process from "node:process";',
      'export class DefaultJsonSchemaValidator {',
      '  getValidator() {',
      '    throw new Error("JSON Schema validation (Ajv) is not in this bundle: pass the Server a jsonSchemaValidator (scripts/bundle.ts)");',
      '  }',
      '}',
      'export { process };',
      '',
    ].join('\n'),
  },
];

/** The esbuild plugin that applies REPLACEMENTS; each must match once, or the bundle fails (a dependency moved its file). */
export function slimDependencies(): Plugin {
  return {
    name: 'slim-dependencies',
    setup(b) {
      const used = new Set<RegExp>();
      for (const r of REPLACEMENTS) {
        b.onLoad({ filter: r.file }, (args) => {
          used.add(r.file);
          return { contents: r.contents, loader: 'js', resolveDir: path.dirname(args.path) };
        });
      }
      b.onEnd((result) => {
        if (result.errors.length > 0) return;
        const missing = REPLACEMENTS.filter((r) => !used.has(r.file));
        if (missing.length > 0) {
          return {
            errors: missing.map((r) => ({
              text: `slim-dependencies: no module matched ${r.file} (did a dependency move it?)`,
            })),
          };
        }
        return undefined;
      });
    },
  };
}

export interface BundleResult {
  handlerBytes: number;
  /** The handler bundle's inputs, as esbuild's metafile names them (`node_modules/zod/...`, `lib/...`). */
  handlerInputs: string[];
  tracerBytes?: number;
}

/**
 * Bundles into `outdir` (handler.js or `handlerFile`, its map, meta.json), from `root` (the project's
 * directory), and the tracer's bundle too when `tracer` is set. `inspect`: plugins that watch both builds
 * without changing them (test/integration/lazy-modules.test.ts marks modules with one).
 */
export async function bundleLambda(opts: {
  root: string;
  outdir: string;
  tracer: boolean;
  handlerFile?: string;
  inspect?: Plugin[];
}): Promise<BundleResult> {
  const inspect = opts.inspect ?? [];
  const result = await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    absWorkingDir: opts.root,
    entryPoints: [path.join(opts.root, ENTRY)],
    outfile: path.join(opts.outdir, opts.handlerFile ?? HANDLER_FILE),
    metafile: true,
    plugins: [slimDependencies(), ...inspect],
    logLevel: 'silent',
  });
  writeFileSync(path.join(opts.outdir, 'meta.json'), JSON.stringify(result.metafile));
  const handler = {
    handlerBytes: entryBytes(result.metafile.outputs),
    handlerInputs: Object.keys(result.metafile.inputs),
  };
  if (!opts.tracer) return handler;
  const tracer = await build({
    ...tracerBundleOptions(opts.root, opts.outdir),
    absWorkingDir: opts.root,
    metafile: true,
    plugins: inspect,
    logLevel: 'silent',
  });
  return { ...handler, tracerBytes: entryBytes(tracer.metafile.outputs) };
}

function entryBytes(outputs: Record<string, { entryPoint?: string; bytes: number }>): number {
  return Object.values(outputs).find((o) => o.entryPoint)?.bytes ?? 0;
}

export { TRACER_FILE };
