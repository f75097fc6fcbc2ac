/** Builds an in-memory tar archive from a name → content map (what coder_upload_tar_file sends to Coder). */

export async function buildTar(files: Record<string, string>): Promise<Uint8Array> {
  // Loaded on the first upload, not at cold start (esbuild defers a dynamically imported module's evaluation).
  const { pack } = await import('tar-stream');
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => {
    if (Buffer.isBuffer(chunk)) chunks.push(chunk);
  });
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    const data = Buffer.from(content, 'utf8');
    archive.entry({ name, mode: 0o644, size: data.length, type: 'file' }, data);
  }
  archive.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}
