/**
 * The few pages a person sees from us during a sign-in: only when something went wrong before we can
 * send them back to their MCP client (an unknown client, a mismatched redirect URI, a stale or foreign
 * sign-in). Plain HTML, escaped, no scripts, not framable.
 */
export function errorPage(status: number, title: string, explanation: string): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(explanation)}</p></body></html>`;
  return new Response(html, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    },
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
