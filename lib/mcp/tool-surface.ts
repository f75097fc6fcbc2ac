/**
 * Which tools a request is offered (beyond coderd's HTTP endpoint, like coder's CLI `--allowed-tools`):
 * read-only mode and an allow-list, each chosen by the request (`?readonly=true`, `?tools=a,b`, or the
 * `Coder-MCP-Read-Only` / `Coder-MCP-Tools` headers; connectors that cannot set headers can still carry
 * a URL) and by the operator (MCP_READ_ONLY, MCP_ALLOWED_TOOLS). A request can tighten what the operator
 * allows, never loosen it: read-only is the OR of both, the allow-list their intersection. A list may
 * name a toolset (`standard`, `chatgpt`) for all of its tools.
 *
 * Read-only mode offers the tools whose annotations say they change nothing, plus the ones that only read
 * but would start a stopped workspace to do so (coderd classes those as mutating): they are offered as
 * read-only, and with auto-start off they report a stopped workspace instead of starting it.
 */
import type { Tool } from '../tools/types';

export interface SurfaceRule {
  readOnly: boolean;
  /** Tool names allowed; undefined = every tool. */
  tools: ReadonlySet<string> | undefined;
}

/** The tools this server has, and the toolsets that name groups of them. */
export interface ToolCatalog {
  names: readonly string[];
  groups: Readonly<Record<string, readonly string[]>>;
}

/** A filter naming a tool this server does not have: a 400 that lists the ones it has. */
export class ToolFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolFilterError';
  }
}

/** The request's own choice; throws ToolFilterError for an unknown name or a malformed flag. */
export function requestedSurface(url: URL, headers: Headers, catalog: ToolCatalog): SurfaceRule {
  const readOnly =
    flagOf('readonly', url.searchParams.get('readonly')) ||
    flagOf('Coder-MCP-Read-Only', headers.get('coder-mcp-read-only'));
  let tools: ReadonlySet<string> | undefined;
  for (const list of [url.searchParams.get('tools'), headers.get('coder-mcp-tools')]) {
    if (list !== null) tools = intersect(tools, namesIn(list.split(','), catalog));
  }
  return { readOnly, tools };
}

/** The operator's rule from settings; throws ToolFilterError for an unknown name. */
export function operatorSurface(readOnly: boolean, allowed: readonly string[], catalog: ToolCatalog): SurfaceRule {
  return { readOnly, tools: allowed.length > 0 ? namesIn(allowed, catalog) : undefined };
}

export function tighten(operator: SurfaceRule, request: SurfaceRule): SurfaceRule {
  return { readOnly: operator.readOnly || request.readOnly, tools: intersect(operator.tools, request.tools) };
}

/** The tools a request sees, in the order given (sorted by name upstream). */
export function offeredTools(tools: readonly Tool[], rule: SurfaceRule): Tool[] {
  const allowed = rule.tools ? tools.filter((t) => rule.tools?.has(t.name)) : [...tools];
  if (!rule.readOnly) return allowed;
  return allowed
    .filter((t) => t.annotations === 'read' || t.startsWorkspace)
    .map((t) => (t.startsWorkspace ? readOnlyView(t) : t));
}

/** The same tool, announced as read-only and run with auto-start off. */
function readOnlyView(tool: Tool): Tool {
  return {
    name: tool.name,
    description: tool.description,
    annotations: 'read',
    get inputSchema() {
      return tool.inputSchema;
    },
    get outputSchema() {
      return tool.outputSchema;
    },
    output: tool.output,
    startsWorkspace: false,
    convertSchemas: () => tool.convertSchemas(),
    call: (args, ctx) => tool.call(args, { ...ctx, autoStart: false, agents: ctx.agents.withoutAutoStart() }),
  };
}

function intersect(
  a: ReadonlySet<string> | undefined,
  b: ReadonlySet<string> | undefined,
): ReadonlySet<string> | undefined {
  if (!a) return b;
  if (!b) return a;
  return new Set([...a].filter((n) => b.has(n)));
}

function namesIn(list: readonly string[], catalog: ToolCatalog): Set<string> {
  const names = list.map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !catalog.names.includes(n) && !Object.hasOwn(catalog.groups, n));
  if (unknown.length > 0) {
    const shown = unknown.map((n) => JSON.stringify(n.slice(0, 100))).join(', ');
    throw new ToolFilterError(
      `unknown tool${unknown.length > 1 ? 's' : ''} in the tool filter: ${shown}; known tools: ${catalog.names.join(', ')}; toolsets: ${Object.keys(catalog.groups).join(', ')}`,
    );
  }
  return new Set(names.flatMap((n) => (Object.hasOwn(catalog.groups, n) ? (catalog.groups[n] ?? []) : [n])));
}

function flagOf(what: string, value: string | null): boolean {
  if (value === null || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw new ToolFilterError(`${what} must be true or false, got ${JSON.stringify(value.slice(0, 40))}`);
}
