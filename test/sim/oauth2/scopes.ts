/**
 * Coder's public scope catalog and the choice of the scope an authorization code carries. The catalog
 * is rbac/scopes_catalog.go's (ExternalScopeNames, IsExternalScope, CanonicalScopeName); the choice is
 * negotiateScope in coderd/oauth2provider/authorize.go. coderd decides whether an app's allowlist covers a
 * requested scope by expanding both into RBAC permissions; the simulator approximates that: `coder:all`
 * covers everything, `<resource>:*` covers `<resource>:<action>`, and a name covers itself.
 */

const LOW_LEVEL: Record<string, string[]> = {
  workspace: ['read', 'create', 'update', 'delete', 'ssh', 'start', 'stop', 'application_connect', '*'],
  template: ['read', 'create', 'update', 'delete', 'use', '*'],
  api_key: ['read', 'create', 'update', 'delete', '*'],
  file: ['read', 'create', '*'],
  user: ['read', 'read_personal', 'update_personal', '*'],
  user_secret: ['read', 'create', 'update', 'delete', '*'],
  user_skill: ['read', 'create', 'update', 'delete', '*'],
  user_memory: ['read', 'create', 'update', 'delete', '*'],
  task: ['create', 'read', 'update', 'delete', '*'],
  organization: ['read', 'update', 'delete', '*'],
};

const COMPOSITE = [
  'coder:workspaces.create',
  'coder:workspaces.operate',
  'coder:workspaces.delete',
  'coder:workspaces.access',
  'coder:templates.build',
  'coder:templates.author',
  'coder:apikeys.manage_self',
];

const ALIASES: Record<string, string> = { all: 'coder:all', application_connect: 'coder:application_connect' };

export const SCOPE_ALL = 'coder:all';

/** ExternalScopeNames: canonical spellings, sorted. */
export const EXTERNAL_SCOPES: readonly string[] = [
  SCOPE_ALL,
  'coder:application_connect',
  ...Object.entries(LOW_LEVEL).flatMap(([resource, actions]) => actions.map((a) => `${resource}:${a}`)),
  ...COMPOSITE,
].sort();

export function canonicalScope(name: string): string {
  return ALIASES[name] ?? name;
}

export function isExternalScope(name: string): boolean {
  return EXTERNAL_SCOPES.includes(canonicalScope(name));
}

function covers(allowed: readonly string[], scope: string): boolean {
  if (allowed.includes(SCOPE_ALL) || allowed.includes(scope)) return true;
  const resource = scope.split(':')[0] ?? '';
  return !scope.startsWith('coder:') && allowed.includes(`${resource}:*`);
}

/** Go's %q for the names in these messages (plain ASCII here). */
function quoted(s: string): string {
  return JSON.stringify(s);
}

/**
 * The scope the code will carry, or the invalid_scope description. `allowlist` is the app's stored scope
 * ('' or undefined: none); `requested` the authorize request's names.
 */
export function negotiateScope(
  allowlist: string | undefined,
  requested: string[],
): { scope: string } | { error: string } {
  const granted = [...new Set(requested.map(canonicalScope))];
  for (const s of granted) if (!isExternalScope(s)) return { error: `${quoted(s)}: unknown or unsupported scope` };
  if (allowlist === undefined || allowlist === '')
    return { scope: granted.length === 0 ? SCOPE_ALL : granted.join(' ') };
  const filtered = [
    ...new Set(
      allowlist
        .split(/\s+/)
        .filter((a) => a !== '' && isExternalScope(a))
        .map(canonicalScope),
    ),
  ];
  if (filtered.length === 0) {
    return {
      error: `${quoted(allowlist)}: none of the scopes registered for this app are supported by this deployment; change the app's registered scopes to supported ones`,
    };
  }
  if (granted.length === 0) return { scope: filtered.join(' ') };
  for (const s of granted)
    if (!covers(filtered, s))
      return { error: `${quoted(s)}: scope requests permissions beyond this app's allowed scopes` };
  return { scope: granted.join(' ') };
}
