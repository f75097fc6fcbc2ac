/**
 * Chat file downloads: `POST /chats/files/{file}/download-url` answers codersdk.ChatFileDownloadURLResponse
 * with a short-lived URL that needs no token (toolsdk's coder_download_chat_file tells the model to fetch
 * it with curl). coderd's URL format is not in the sources read, so the simulator signs its own:
 * `GET /chats/files/{file}/download?expires=<unix s>&signature=<hex HMAC-SHA256 of "<file>:<expires>">`,
 * refused with 403 once expired or when the signature does not match. The owner of the file (or a site
 * owner) may ask for a URL; anyone else gets coderd's 404.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { badRequest, fail, isUuid, notFound, ok, type Reply, type RouteContext, type Router } from '../http';
import { BASE, type ChatDeps } from './routes';
import type { ChatStore, SimChatFile } from './store';

export const DOWNLOAD_EXPIRED = 'Download URL has expired.';
export const DOWNLOAD_BAD_SIGNATURE = 'Invalid download URL signature.';

export function chatFileRoutes(router: Router, deps: ChatDeps, baseUrl: () => string): void {
  const { gate, store } = deps;
  router.post(
    `${BASE}/files/:file/download-url`,
    gate.http((ctx) => {
      const file = fileParam(ctx, store);
      if (file.owner_id !== ctx.user.id && ctx.user.roles !== 'owner') throw notFound();
      const expires = Math.floor((Date.now() + store.downloadTtlMs) / 1000);
      const url = new URL(`${baseUrl()}${BASE}/files/${file.id}/download`);
      url.searchParams.set('expires', String(expires));
      url.searchParams.set('signature', sign(store, file.id, expires));
      return ok({
        url: url.toString(),
        expires_at: new Date(expires * 1000).toISOString(),
        sha256: file.sha256,
        size_bytes: file.data.length,
        name: file.name,
        mime_type: file.mime_type,
      });
    }),
    { auth: false },
  );
  router.get(
    `${BASE}/files/:file/download`,
    gate.open((ctx) => download(ctx, store)),
    { auth: false },
  );
}

/** chatFileByID's parameter: 400 "Invalid file ID." for a malformed id, 404 for an unknown one. */
function fileParam(ctx: RouteContext, store: ChatStore): SimChatFile {
  const id = (ctx.params.file ?? '').toLowerCase();
  if (!isUuid(id)) throw badRequest('Invalid file ID.');
  const file = store.files.get(id);
  if (!file) throw notFound();
  return file;
}

function sign(store: ChatStore, fileId: string, expires: number): string {
  return createHmac('sha256', store.signingKey).update(`${fileId}:${expires}`).digest('hex');
}

function download(ctx: RouteContext, store: ChatStore): Reply {
  const file = fileParam(ctx, store);
  const expiresRaw = ctx.query.get('expires') ?? '';
  const expires = /^\d+$/.test(expiresRaw) ? Number(expiresRaw) : NaN;
  const given = Buffer.from(ctx.query.get('signature') ?? '', 'hex');
  const expected = Buffer.from(Number.isNaN(expires) ? '' : sign(store, file.id, expires), 'hex');
  if (expected.length === 0 || given.length !== expected.length || !timingSafeEqual(given, expected))
    throw fail(403, DOWNLOAD_BAD_SIGNATURE);
  if (expires * 1000 <= Date.now()) throw fail(403, DOWNLOAD_EXPIRED);
  const disposition = `attachment; filename=${JSON.stringify(file.name)}`;
  return {
    status: 200,
    body: null,
    headers: { 'content-disposition': disposition, 'cache-control': 'private, no-store' },
    raw: { contentType: file.mime_type, text: file.data },
  };
}
