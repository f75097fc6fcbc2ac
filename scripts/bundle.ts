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
 * And one is edited: `createMcpHandler` (the SDK's index) asks `product instanceof McpServer` of what our
 * factory returns, which keeps the high-level McpServer, its completions and resource templates (about
 * 22 KB) in the bundle. Our factory returns the low-level Server (lib/mcp/eras.ts), so each of those
 * checks is false; writing them so lets esbuild drop McpServer.
 * zod itself is tree-shaken because lib/ imports it as a namespace (`import * as z`); a named `{ z }` import
 * makes esbuild build zod's whole namespace object, 87 KB more (biome.json refuses it in lib/).
 * test/integration/bundle.test.ts checks the built bundle still answers and holds none of these.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { LAMBDA_BUNDLE_OPTIONS, TRACER_FILE, tracerBundleOptions } from './bundle-options';

export const HANDLER_FILE = 'handler.js';
const ENTRY = path.join('lib', 'stream.ts');

/**
 * What replaces a dependency's module in the bundle, keyed by the path it ends with: whole `contents`, or an
 * `edit` of its source, which must change it (else the dependency changed, and the build says so).
 */
type Replacement = { file: RegExp } & ({ contents: string } | { edit: (source: string) => string });

/** `createMcpHandler`'s three `product instanceof McpServer` checks, each false for our low-level Server. */
const MCP_SERVER_CHECK = /\bproduct instanceof McpServer\b/g;
const MCP_SERVER_CHECKS = 3;

const REPLACEMENTS: ReadonlyArray<Replacement> = [
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
  {
    file: /[\\/]node_modules[\\/]@modelcontextprotocol[\\/]server[\\/]dist[\\/]index\.mjs$/,
    edit: (source) =>
      (source.match(MCP_SERVER_CHECK) ?? []).length === MCP_SERVER_CHECKS
        ? source.replace(MCP_SERVER_CHECK, 'false')
        : source,
  },
];

/** The esbuild plugin that applies REPLACEMENTS; each must match (and an edit change its module), or the bundle fails. */
export function slimDependencies(): Plugin {
  return {
    name: 'slim-dependencies',
    setup(b) {
      const used = new Set<RegExp>();
      for (const r of REPLACEMENTS) {
        b.onLoad({ filter: r.file }, async (args) => {
          const resolveDir = path.dirname(args.path);
          if ('contents' in r) {
            used.add(r.file);
            return { contents: r.contents, loader: 'js', resolveDir };
          }
          const source = await readFile(args.path, 'utf8');
          const contents = r.edit(source);
          // An edit that changes nothing is reported as unmatched in onEnd, below.
          if (contents !== source) used.add(r.file);
          return { contents, loader: 'js', resolveDir };
        });
      }
      b.onEnd((result) => {
        if (result.errors.length > 0) return;
        const missing = REPLACEMENTS.filter((r) => !used.has(r.file));
        if (missing.length > 0) {
          return {
            errors: missing.map((r) => ({
              text: `slim-dependencies: no module matched ${r.file}, or its edit changed nothing (did a dependency move or change it?)`,
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
