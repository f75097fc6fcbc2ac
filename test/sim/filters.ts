/**
 * coderd's search query (`?q=`) syntax (coderd/searchquery): the whole query is lowercased, split on
 * spaces outside double quotes, `key:value` terms become parameters, the remaining words form one
 * default term, and unknown keys or bad values come back as validations. Pure functions.
 */
import { isUuid, parseGoBool, type Validation } from './http';

type Values = Map<string, string[]>;

/** strings.FieldsFunc on `delimiter` outside quotes; quotes are stripped unless kept for a second pass. */
function splitOutsideQuotes(s: string, delimiter: string, keepQuotes: boolean): string[] {
  const parts: string[] = [];
  let quoted = false;
  let current = '';
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === delimiter) {
      if (current) parts.push(current);
      current = '';
    } else current += ch;
  }
  if (current) parts.push(current);
  return keepQuotes ? parts : parts.map((p) => p.replace(/^"+|"+$/g, ''));
}

const goQuote = (s: string) => JSON.stringify(s);

function addValue(values: Values, key: string, value: string): void {
  values.set(key, [...(values.get(key) ?? []), value]);
}

/** searchTerms: `defaultKey` receives the words that are not `key:value` terms, joined by spaces. */
function searchTerms(
  query: string,
  defaultKey: (term: string, values: Values) => string | undefined,
): { values: Values; errors: Validation[] } {
  const values: Values = new Map();
  const tokens = splitOutsideQuotes(query, ' ', true);
  const words = tokens.filter((t) => !t.includes(':'));
  const elements = [...tokens.filter((t) => t.includes(':')), ...(words.length > 0 ? [words.join(' ')] : [])];
  for (const element of elements) {
    if (element.startsWith(':') || element.endsWith(':')) {
      return {
        values,
        errors: [{ field: 'q', detail: `Query element ${goQuote(element)} cannot start or end with ':'` }],
      };
    }
    const parts = splitOutsideQuotes(element, ':', false);
    if (parts.length === 1) {
      const err = defaultKey(element, values);
      if (err) return { values, errors: [{ field: 'q', detail: err }] };
    } else if (parts.length === 2) addValue(values, (parts[0] ?? '').toLowerCase(), parts[1] ?? '');
    else
      return { values, errors: [{ field: 'q', detail: `Query element ${goQuote(element)} can only contain 1 ':'` }] };
  }
  return { values, errors: [] };
}

/** httpapi.QueryParamParser: reads known keys, then reports the rest as excess params. */
class Params {
  readonly errors: Validation[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly values: Values) {}

  string(key: string): string {
    this.seen.add(key);
    return this.values.get(key)?.[0] ?? '';
  }

  bool(key: string): boolean | undefined {
    const raw = this.string(key);
    if (raw === '') return undefined;
    const v = parseGoBool(raw);
    if (v === undefined)
      this.errors.push({
        field: key,
        detail: `Query param ${goQuote(key)} must be a valid boolean (strconv.ParseBool: parsing ${goQuote(raw)}: invalid syntax)`,
      });
    return v;
  }

  oneOf(key: string, allowed: readonly string[]): string {
    const raw = this.string(key);
    if (raw && !allowed.includes(raw))
      this.errors.push({
        field: key,
        detail: `Query param ${goQuote(key)} has invalid value: ${goQuote(raw)} is not a valid value`,
      });
    return allowed.includes(raw) ? raw : '';
  }

  uuids(key: string): string[] {
    const raw = this.string(key);
    if (!raw) return [];
    const ids = raw.split(',').map((s) => s.trim());
    const bad = ids.filter((s) => !isUuid(s));
    if (bad.length > 0)
      this.errors.push({ field: key, detail: `Query param ${goQuote(key)} has invalid values: ${bad.join(',')}` });
    return bad.length > 0 ? [] : ids;
  }

  /** Keys that coderd accepts but the simulator does not filter on. */
  accept(...keys: string[]): void {
    for (const k of keys) this.seen.add(k);
  }

  finish(): Validation[] {
    for (const k of this.values.keys()) {
      if (!this.seen.has(k))
        this.errors.push({ field: k, detail: `Query param ${goQuote(k)} is not a valid query param` });
    }
    return this.errors;
  }
}

export const WORKSPACE_STATUSES = [
  'pending',
  'starting',
  'running',
  'stopping',
  'stopped',
  'failed',
  'canceling',
  'canceled',
  'deleting',
  'deleted',
] as const;

export interface WorkspaceFilter {
  ids: string[];
  owner: string;
  template: string;
  name: string;
  status: string;
  hasAgent: string;
  outdated: boolean | undefined;
}

/** searchquery.Workspaces; a bare word is a name, `owner/name` sets both. */
export function parseWorkspaceQuery(q: string): { filter: WorkspaceFilter; errors: Validation[] } {
  const { values, errors } = searchTerms(q.toLowerCase(), (term, vals) => {
    const parts = splitOutsideQuotes(term, '/', false);
    if (parts.length > 2) return `Query element ${goQuote(term)} can only contain 1 '/'`;
    if (parts.length === 2) addValue(vals, 'owner', parts[0] ?? '');
    addValue(vals, 'name', parts[parts.length - 1] ?? '');
    return undefined;
  });
  const p = new Params(values);
  const filter: WorkspaceFilter = {
    ids: p.uuids('id'),
    owner: p.string('owner'),
    template: p.string('template'),
    name: p.string('name'),
    status: p.oneOf('status', WORKSPACE_STATUSES),
    hasAgent: p.string('has-agent'),
    outdated: p.bool('outdated'),
  };
  for (const flag of ['dormant', 'has-ai-task', 'has_external_agent', 'shared', 'healthy']) p.bool(flag);
  p.accept('last_used_after', 'last_used_before', 'organization', 'shared_with_user', 'shared_with_group', 'param');
  return { filter, errors: errors.length > 0 ? errors : p.finish() };
}

export interface TemplateFilter {
  deleted: boolean;
  exactName: string;
  name: string;
  displayName: string;
  ids: string[];
  deprecated: boolean | undefined;
  /** An organization's UUID or name, as given (the route resolves it: searchquery `parseOrganization`). */
  organization: string;
}

/** searchquery.Templates; bare words search the display name (and, in the simulator, the name too). */
export function parseTemplateQuery(q: string): { filter: TemplateFilter; errors: Validation[] } {
  const { values, errors } = searchTerms(q.toLowerCase(), (term, vals) => {
    addValue(vals, 'display_name', term);
    return undefined;
  });
  const p = new Params(values);
  const filter: TemplateFilter = {
    deleted: p.bool('deleted') ?? false,
    exactName: p.string('exact_name'),
    name: p.string('name'),
    displayName: p.string('display_name'),
    ids: p.uuids('ids'),
    deprecated: p.bool('deprecated'),
    organization: p.string('organization'),
  };
  for (const flag of ['has-ai-task', 'has_external_agent']) p.bool(flag);
  p.accept('exact_display_name', 'author_id', 'author');
  return { filter, errors: errors.length > 0 ? errors : p.finish() };
}

export const CHAT_STATUSES = ['waiting', 'running', 'error', 'requires_action', 'interrupting'] as const;

export interface ChatFilter {
  /** undefined: coderd's default, which leaves archived chats out. */
  archived: boolean | undefined;
  status: string;
  title: string;
  search: string;
}

/**
 * searchquery.Chats as the simulator needs it: fielded terms only (bare text is refused: the tool's
 * description says to use `search:<text>`), `archived`, `status`, `title` and `search`; the other
 * fields coderd knows (repo, pr, pr_title, pr_status, diff_url, has_unread, source) are accepted and ignored.
 */
export function parseChatQuery(q: string): { filter: ChatFilter; errors: Validation[] } {
  const { values, errors } = searchTerms(
    q.toLowerCase(),
    (term) => `Query element ${goQuote(term)} is not a fielded term; use search:<text> for full-text search`,
  );
  const p = new Params(values);
  const filter: ChatFilter = {
    archived: p.bool('archived'),
    status: p.oneOf('status', CHAT_STATUSES),
    title: p.string('title'),
    search: p.string('search'),
  };
  p.bool('has_unread');
  p.accept('repo', 'pr', 'pr_title', 'pr_status', 'diff_url', 'source');
  return { filter, errors: errors.length > 0 ? errors : p.finish() };
}
