/**
 * The answers the provider's routes give besides coderd's JSON errors: RFC 6749 error bodies
 * (httpapi.WriteOAuth2Error: `{"error","error_description"}` as JSON), redirects (http.Redirect),
 * HTML pages, Go's http.Error plain text, and the static error page (site.RenderStaticErrorPage).
 */
import { HttpError, type Reply } from '../http';

export function oauth2Error(status: number, error: string, description: string): HttpError {
  return new HttpError(status, { error, error_description: description });
}

/** http.Redirect: a GET gets the small HTML body Go writes; other methods none. */
export function redirect(
  status: number,
  location: string,
  method: string,
  headers: Record<string, string | string[]> = {},
): Reply {
  const text =
    method === 'GET'
      ? `<a href="${escapeHtml(location)}">${status === 303 ? 'See Other' : status === 307 ? 'Temporary Redirect' : 'Found'}</a>.\n\n`
      : '';
  return {
    status,
    body: null,
    headers: { location, ...headers },
    raw: { contentType: 'text/html; charset=utf-8', text },
  };
}

export function html(status: number, text: string, headers: Record<string, string | string[]> = {}): Reply {
  return { status, body: null, headers, raw: { contentType: 'text/html; charset=utf-8', text } };
}

/** http.Error. */
export function plainError(status: number, message: string): Reply {
  return {
    status,
    body: null,
    headers: { 'x-content-type-options': 'nosniff' },
    raw: { contentType: 'text/plain; charset=utf-8', text: `${message}\n` },
  };
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** site.RenderStaticErrorPage, reduced to what a test or a person reads: status, title, description, warnings. */
export function errorPage(
  status: number,
  title: string,
  description: string,
  warnings: string[],
  dashboardUrl: string,
): Reply {
  const items = warnings.map((w) => `      <li>${escapeHtml(w)}</li>`).join('\n');
  const text = `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>${escapeHtml(title)}</title></head>
  <body>
    <h1 id="status">${status}</h1>
    <h2 id="title">${escapeHtml(title)}</h2>
    <p id="description">${escapeHtml(description)}</p>
    <ul id="warnings">
${items}
    </ul>
    <a href="${escapeHtml(dashboardUrl)}">Back to site</a>
  </body>
</html>
`;
  return html(status, text);
}
