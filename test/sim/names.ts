/**
 * coderd's name rules (codersdk/name.go) for users, workspaces and templates, template display
 * names and template version names, and moby-style random version names (`adjective_scientist`).
 */

const NAME_RE = /^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$/;
const VERSION_NAME_RE = /^[a-zA-Z0-9]+(?:[_.-]{1}[a-zA-Z0-9]+)*$/;
const DISPLAY_NAME_RE = /^[^\s](.*[^\s])?$/;

/** codersdk.NameValid: the `workspace_name`, `template_name` and `username` validator tags. */
export function nameValid(s: string): boolean {
  return s.length >= 1 && s.length <= 32 && NAME_RE.test(s);
}

/** codersdk.TemplateVersionNameValid (an empty name is allowed: coderd then picks a random one). */
export function versionNameValid(s: string): boolean {
  return s.length <= 64 && VERSION_NAME_RE.test(s);
}

/** codersdk.DisplayNameValid: empty, or at most 64 characters without surrounding spaces. */
export function displayNameValid(s: string): boolean {
  return s === '' || (s.length <= 64 && DISPLAY_NAME_RE.test(s));
}

const ADJECTIVES = [
  'admiring',
  'brave',
  'clever',
  'dazzling',
  'eager',
  'focused',
  'gallant',
  'happy',
  'inspiring',
  'jolly',
  'keen',
  'loving',
  'modest',
  'nifty',
  'optimistic',
  'quirky',
  'serene',
  'trusting',
  'upbeat',
  'vibrant',
  'wizardly',
  'youthful',
  'zealous',
];
const SCIENTISTS = [
  'agnesi',
  'babbage',
  'curie',
  'darwin',
  'euler',
  'feynman',
  'galois',
  'hopper',
  'jennings',
  'kepler',
  'lovelace',
  'meitner',
  'noether',
  'pascal',
  'ritchie',
  'shannon',
  'turing',
  'volhard',
  'wozniak',
  'yalow',
];

function pick(list: readonly string[]): string {
  return list[Math.floor(Math.random() * list.length)] ?? 'x';
}

/** namesgenerator.GetRandomName: an `adjective_scientist` name that `taken` does not refuse. */
export function randomVersionName(taken: (name: string) => boolean): string {
  for (let i = 0; i < 50; i++) {
    const name = `${pick(ADJECTIVES)}_${pick(SCIENTISTS)}`;
    if (!taken(name)) return name;
  }
  return `${pick(ADJECTIVES)}_${pick(SCIENTISTS)}${Math.floor(Math.random() * 10)}`;
}
