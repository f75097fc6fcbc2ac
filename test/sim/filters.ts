/** coderd's search query (`q=`) syntax: `key:value` terms, values optionally Go-quoted, bare words match names. */
import { badRequest } from './http';

export interface SearchTerms {
  terms: Map<string, string>;
  words: string[];
}

export function parseQuery(q: string, allowedKeys: readonly string[], what: 'workspace' | 'template'): SearchTerms {
  const terms = new Map<string, string>();
  const words: string[] = [];
  const tokens = q.match(/(?:[^\s"]+|"(?:\\.|[^"\\])*")+/g) ?? [];
  for (const token of tokens) {
    const colon = token.indexOf(':');
    if (colon === -1) {
      words.push(unquote(token));
      continue;
    }
    const key = token.slice(0, colon);
    if (!allowedKeys.includes(key)) {
      throw badRequest(`Invalid ${what} search query.`, [{ field: key, detail: `Query param "${key}" is not a valid query param` }]);
    }
    terms.set(key, unquote(token.slice(colon + 1)));
  }
  return { terms, words };
}

function unquote(v: string): string {
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) {
    try {
      return JSON.parse(v) as string;
    } catch {
      return v.slice(1, -1);
    }
  }
  return v;
}
