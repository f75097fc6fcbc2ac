/**
 * Entry names of an uploaded archive: tar through tar-stream, zip from its local file headers.
 * coderd stores uploads without looking inside; the simulator only needs the names to decide whether
 * a template import finds Terraform files, so an unreadable tar simply has no entries.
 */
import { extract } from 'tar-stream';

export function tarEntryNames(data: Buffer): Promise<string[]> {
  return new Promise((resolve) => {
    const names: string[] = [];
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      if (header.type === 'file') names.push(header.name);
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', () => resolve(names));
    ex.on('error', () => resolve(names));
    ex.end(data);
  });
}

const ZIP_LOCAL_HEADER = 0x04034b50;

/** Walks the local file headers (`PK\x03\x04`); undefined when the data is not a zip archive. */
export function zipEntryNames(data: Buffer): string[] | undefined {
  if (data.length < 4 || data.readUInt32LE(0) !== ZIP_LOCAL_HEADER) return undefined;
  const names: string[] = [];
  let offset = 0;
  while (offset + 30 <= data.length && data.readUInt32LE(offset) === ZIP_LOCAL_HEADER) {
    const compressedSize = data.readUInt32LE(offset + 18);
    const nameLength = data.readUInt16LE(offset + 26);
    const extraLength = data.readUInt16LE(offset + 28);
    const name = data.subarray(offset + 30, offset + 30 + nameLength).toString('utf8');
    if (!name.endsWith('/')) names.push(name);
    offset += 30 + nameLength + extraLength + compressedSize;
  }
  return names;
}

/** Whether the archive holds a Terraform module (`*.tf` or `*.tf.json` files). */
export function hasTerraform(names: string[]): boolean {
  return names.some((n) => n.endsWith('.tf') || n.endsWith('.tf.json'));
}
