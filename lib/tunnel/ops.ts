/**
 * Typed operations over a leased channel: run a command, list a directory, read a byte range, and
 * write (optionally compare-and-swap on the file's SHA-256). Fields travel as base64; the agent's
 * errno-style answers become `AgentOpError`s with messages a user can act on.
 */
import { createHash } from 'node:crypto';
import { ChannelBrokenError, AgentOpError } from './errors';
import type { AgentChannel } from './channel';
import { b64, type ResponseLine } from './protocol';

export interface ExecRequest {
  command: string;
  timeoutMs: number;
  background: boolean;
  /** Most output bytes to bring back. */
  capBytes: number;
}

export interface ExecResult {
  exitCode: number;
  output: Buffer;
  totalBytes: number;
  /** Background mode: the command was still running when the wait ended. */
  stillRunning: boolean;
  elapsedMs: number;
}

export async function exec(channel: AgentChannel, req: ExecRequest, signal: AbortSignal): Promise<ExecResult> {
  const started = Date.now();
  const seconds = (Math.max(1, req.timeoutMs) / 1000).toFixed(3);
  const ticks = Math.max(1, Math.ceil(req.timeoutMs / 100));
  const res = await channel.call(
    'exec',
    [b64(req.command), seconds, ticks, req.background ? 1 : 0, req.capBytes],
    signal,
  );
  const elapsedMs = Date.now() - started;
  const [rc, running, data] = okFields(res, 'run the command', 2);
  // The agent sends at most cap+1 bytes: one more than the cap says "there was more", and only then is the total asked for.
  const output = Buffer.from(data ?? '', 'base64');
  let totalBytes = output.length;
  if (output.length > req.capBytes) {
    const [size] = okFields(await channel.call('outsize', [], signal), 'measure the command output', 1);
    totalBytes = Number(size);
  }
  return {
    exitCode: Number(rc),
    totalBytes,
    stillRunning: running === '1',
    output: output.subarray(0, req.capBytes),
    elapsedMs,
  };
}

export interface DirEntry {
  name: string;
  isDir: boolean;
}

export async function list(channel: AgentChannel, path: string, signal: AbortSignal): Promise<DirEntry[]> {
  const res = await channel.call('ls', [b64(path)], signal);
  const [data] = okFields(res, `list ${JSON.stringify(path)}`, 0);
  // One base64 field of "<d|f>:<name>\0" records: names may hold any byte but NUL.
  return Buffer.from(data ?? '', 'base64')
    .toString('utf8')
    .split('\0')
    .filter((record) => record.length > 2)
    .map((record) => ({ isDir: record.startsWith('d:'), name: record.slice(2) }));
}

export async function read(
  channel: AgentChannel,
  path: string,
  offset: number,
  limit: number,
  signal: AbortSignal,
): Promise<{ data: Buffer; size: number }> {
  const res = await channel.call('read', [b64(path), offset, limit], signal);
  const [size, data] = okFields(res, `read ${JSON.stringify(path)}`, 1);
  return { size: Number(size), data: Buffer.from(data ?? '', 'base64') };
}

/** Above this size a write's content follows its request line instead of sitting in it: the loop's line reader goes byte by byte. */
const INLINE_WRITE_LIMIT = 16 * 1024;

/** Writes atomically (temp file + rename), creating parents. With `expectedHash`, only if the file still has that hash ('-' = must not exist). */
export async function write(
  channel: AgentChannel,
  path: string,
  data: Uint8Array,
  signal: AbortSignal,
  expectedHash?: string,
): Promise<void> {
  const content = b64(data);
  const what = `write ${JSON.stringify(path)}`;
  if (content.length <= INLINE_WRITE_LIMIT) {
    const fields: (string | number)[] = [b64(path), content];
    if (expectedHash) fields.push(expectedHash);
    okFields(await channel.call('write', fields, signal), what, 0);
    return;
  }
  const digest = createHash('sha256').update(data).digest('hex');
  const fields: (string | number)[] = [b64(path), content.length, digest];
  if (expectedHash) fields.push(expectedHash);
  okFields(await channel.call('put', fields, signal, content), what, 0);
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EIO: 'input/output error',
  CHANGED: 'the file changed since it was read; read it again and redo the edit',
  EPAYLOAD: 'the content arrived damaged and was not written; retry',
};

function okFields(res: ResponseLine, what: string, min: number): string[] {
  if (res.status === 'err') {
    const errno = res.fields[0] ?? 'EIO';
    if (errno === 'EPROTO') throw new ChannelBrokenError(`the agent loop did not understand the request to ${what}`);
    throw new AgentOpError(errno, `failed to ${what}: ${ERRNO_TEXT[errno] ?? errno}`);
  }
  if (res.fields.length < min) throw new ChannelBrokenError(`the agent sent a malformed answer to ${what}`);
  return res.fields;
}
