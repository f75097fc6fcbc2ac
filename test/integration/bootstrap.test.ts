/**
 * The agent-side loop on its own: the bootstrap script under a real PTY (node-pty) and the system's
 * POSIX sh, spoken to with the line protocol. Covers what the simulator path does not isolate: the
 * named error for a missing tool, fetch-after-loss, compare-and-swap, and exit on `bye`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
import { b64, bootstrapScript, parseLine, requestLine } from '../../lib/tunnel/protocol';

type Line = NonNullable<ReturnType<typeof parseLine>>;

function runLoop(env: Record<string, string>, cwd: string) {
  const term = pty.spawn('/bin/sh', ['-c', bootstrapScript('feedc0de')], { cwd, env, cols: 200, rows: 50 });
  const lines: Line[] = [];
  let buf = '';
  let exited: number | undefined;
  term.onData((d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
      const line = parseLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (line) lines.push(line);
    }
  });
  const whenTermEnds = term.onExit;
  whenTermEnds((e) => {
    exited = e.exitCode;
  });
  const until = async (pred: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out; lines: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const response = async (id: string) => {
    await until(() => lines.some((l) => 'id' in l && l.id === id));
    return lines.filter((l) => 'id' in l && l.id === id);
  };
  return { term, lines, until, response, exitCode: () => exited };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bootstrap-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('names the first missing tool and exits', async () => {
  const loop = runLoop({ PATH: path.join(dir, 'empty-bin'), HOME: dir }, dir);
  await loop.until(() => loop.lines.some((l) => 'kind' in l && l.kind === 'missing'));
  expect(loop.lines).toContainEqual({ kind: 'missing', nonce: 'feedc0de', tool: 'base64' });
  await loop.until(() => loop.exitCode() !== undefined);
  expect(loop.exitCode()).toBe(127);
});

it('serves requests, re-sends a kept response on fetch, refuses a stale compare-and-swap, and exits on bye', async () => {
  const loop = runLoop({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir }, dir);
  await loop.until(() => loop.lines.some((l) => 'kind' in l && l.kind === 'ready'));
  const file = path.join(dir, 'f.txt');
  loop.term.write(requestLine('w1', 'write', [b64(file), b64('first\n')]));
  expect((await loop.response('w1'))[0]).toMatchObject({ status: 'ok' });
  // The answer to w1 was "lost": fetch gives it again, and says it was found; w1 is not run again.
  loop.term.write(`\n${requestLine('f1', 'fetch', ['w1'])}`);
  expect((await loop.response('f1'))[0]).toMatchObject({ status: 'ok', fields: ['1'] });
  expect(await loop.response('w1')).toHaveLength(2);
  // A multi-field answer (kept as it went out) comes back the same, fields and all.
  loop.term.write(requestLine('r1', 'read', [b64(file), 0, 100]));
  await loop.response('r1');
  loop.term.write(`\n${requestLine('f3', 'fetch', ['r1'])}`);
  expect((await loop.response('f3'))[0]).toMatchObject({ status: 'ok', fields: ['1'] });
  const reads = await loop.response('r1');
  expect(reads).toHaveLength(2);
  expect(reads[1]).toEqual(reads[0]);
  expect(reads[0]).toMatchObject({ status: 'ok', fields: ['6', Buffer.from('first\n').toString('base64')] });
  loop.term.write(requestLine('f2', 'fetch', ['never-sent']));
  expect((await loop.response('f2'))[0]).toMatchObject({ status: 'ok', fields: ['0'] });

  writeFileSync(file, 'changed behind our back\n');
  loop.term.write(requestLine('w2', 'write', [b64(file), b64('second\n'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']));
  expect((await loop.response('w2'))[0]).toMatchObject({ status: 'err', fields: [expect.stringMatching(/^CHANGED$/), expect.any(String)] });
  expect(readFileSync(file, 'utf8')).toBe('changed behind our back\n');

  loop.term.write(requestLine('b1', 'bye', []));
  await loop.until(() => loop.exitCode() !== undefined);
  expect(loop.exitCode()).toBe(0);
});
