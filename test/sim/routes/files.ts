/**
 * `POST /files` (coderd/files.go): tar or zip up to 100 MiB; answers `{"hash":"<uuid>"}` (the field
 * is named hash but holds the file id), 201 when new, 200 with the same id when the same user
 * uploads the same bytes again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { badRequest, ok, type Router } from '../http';
import type { SimModel } from '../model';
import { tarEntryNames, zipEntryNames } from '../tar';

/** coderd's HTTPFileMaxBytes: 10 * (10 << 20) bytes. */
export const FILE_MAX_BYTES = 10 * (10 << 20);

const TAR = 'application/x-tar';
const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed'];

export function fileRoutes(router: Router, model: SimModel): void {
  router.post('/api/v2/files', async (ctx) => {
    // coderd compares the whole header, so a parameter such as a charset is refused too.
    if (ctx.contentType !== TAR && !ZIP_TYPES.includes(ctx.contentType)) {
      throw badRequest(`Unsupported content type header "${ctx.contentType}".`);
    }
    if (ctx.body.length > FILE_MAX_BYTES)
      throw badRequest('Failed to read file from request.', undefined, 'http: request body too large');
    let names: string[];
    if (ctx.contentType === TAR) names = await tarEntryNames(ctx.body);
    else {
      const zipped = zipEntryNames(ctx.body);
      if (!zipped) throw badRequest('Incomplete .zip archive file.', undefined, 'zip: not a valid zip file');
      names = zipped;
    }
    const hash = createHash('sha256').update(ctx.body).digest('hex');
    const existing = [...model.files.values()].find((f) => f.hash === hash && f.created_by === ctx.user.id);
    if (existing) return ok({ hash: existing.id });
    const id = randomUUID();
    // coderd converts a zip into a tar before storing it.
    model.files.set(id, { id, hash, created_by: ctx.user.id, content_type: TAR, names });
    return ok({ hash: id }, 201);
  });
}
