/**
 * The consent page. Port of site/static/oauth2allow.html (rendered by site.RenderOAuthAllowPage): one
 * form, `id="allow-form"`, posting to the authorize URL itself (the request's query carries every
 * parameter) with the hidden `csrf_token` field; Cancel is a link, `id="cancel-link"`, to the client's
 * redirect URI with error=access_denied. The simulator gives the form an explicit `action` (coderd's
 * omits it, which a browser reads as the same URL) and drops the page's script. Everything is escaped.
 */
import { escapeHtml } from './replies';

export interface ConsentView {
  appName: string;
  appIcon: string;
  username: string;
  /** Scope names to list; empty when the grant is unrestricted (full access wording). */
  scopes: string[];
  csrfToken: string;
  /** The authorize path and query, the form's action. */
  action: string;
  cancelUri: string;
}

export function consentPage(v: ConsentView): string {
  const name = escapeHtml(v.appName);
  const user = `<span class="user-name">${escapeHtml(v.username)}</span>`;
  const description =
    v.scopes.length > 0
      ? `<p id="description">Allow ${name} to access your ${user} account with these permissions?</p>
      <ul id="scope-list" role="list">
${v.scopes.map((s) => `        <li role="listitem">${escapeHtml(s)}</li>`).join('\n')}
      </ul>
      <p id="scope-disclaimer">These are technical permission names. Grant them only to an application you trust.</p>`
      : `<p id="description">Allow ${name} to have full access to your ${user} account?</p>`;
  const icon = v.appIcon ? `<img class="app-icon" src="${escapeHtml(v.appIcon)}" alt="" /> + ` : '';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <title>Application ${name}</title>
  </head>
  <body>
    <div class="container">
      <div class="icons-container">${icon}<img class="coder-svg" src="/icon/coder.svg" alt="Coder" /></div>
      <h1>Authorize ${name}</h1>
      ${description}
      <div class="button-group" id="button-group">
        <form id="allow-form" method="post" action="${escapeHtml(v.action)}">
          <input type="hidden" name="csrf_token" value="${escapeHtml(v.csrfToken)}" />
          <button type="submit" class="primary-button">Allow</button>
        </form>
        <a id="cancel-link" href="${escapeHtml(v.cancelUri)}">Cancel</a>
      </div>
    </div>
  </body>
</html>
`;
}
