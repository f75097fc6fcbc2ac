/**
 * The agent side on its own: the dial stub and the loop under a real PTY (node-pty) and the system's
 * POSIX sh, spoken to with the line protocol as a channel speaks it. Covers what the simulator path
 * does not isolate: the named error for a missing tool, the loop kept under its hash (asked for once,
 * checked on every start, replaced when damaged), fetch-after-loss, compare-and-swap, and exit on `bye`.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
import {
  b64,
  dialCommand,
  LOOP_SCRIPT,
  loopDigest,
  loopPayload,
  parseLine,
  requestLine,
} from '../../lib/tunnel/protocol';

type Line = NonNullable<ReturnType<typeof parseLine>>;
const NONCE = 'feedc0de';

/** Runs the dial stub as coderd's agent would (the user's shell with -c); `payload` is what it gets when it asks for the loop. */
function runLoop(env: Record<string, string>, cwd: string, payload: string = loopPayload()) {
  const term = pty.spawn('/bin/sh', ['-c', dialCommand(NONCE)], { cwd, env, cols: 200, rows: 50 });
  const lines: Line[] = [];
  let buf = '';
  let exited: number | undefined;
  // A channel's first words on a new socket: a ping that a stub must pass over while it waits for the loop.
  term.write(`\n${requestLine('p0', 'ping', [])}`);
  term.onData((d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n')) {
      const line = parseLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (!line) continue;
      lines.push(line);
      if ('kind' in line && line.kind === 'load') term.write(`load ${line.nonce}\n${payload}\n`);
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
  const kinds = () => lines.flatMap((l) => ('kind' in l ? [l.kind] : []));
  return { term, lines, until, response, kinds, exitCode: () => exited };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bootstrap-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const PATH = process.env.PATH ?? '/usr/bin:/bin';
const cached = () => path.join(dir, '.cache', 'coder-mcp', `loop-${loopDigest()}.sh`);

it('names the first missing tool and exits', async () => {
  const loop = runLoop({ PATH: path.join(dir, 'empty-bin'), HOME: dir }, dir);
  await loop.until(() => loop.lines.some((l) => 'kind' in l && l.kind === 'missing'));
  expect(loop.lines).toContainEqual({ kind: 'missing', nonce: NONCE, tool: 'base64' });
  await loop.until(() => loop.exitCode() !== undefined);
  expect(loop.exitCode()).toBe(127);
});

it('asks for the loop once per workspace: later starts run the copy kept under its hash', async () => {
  const first = runLoop({ PATH, HOME: dir }, dir);
  await first.until(() => first.kinds().includes('ready'));
  expect(first.kinds()).toEqual(['load', 'ready']);
  expect(readFileSync(cached(), 'utf8')).toBe(LOOP_SCRIPT);
  // The ping sent before the load was passed over by the stub, never read as part of the loop.
  first.term.write(requestLine('p1', 'ping', []));
  expect((await first.response('p1'))[0]).toMatchObject({ nonce: NONCE, status: 'ok' });
  first.term.kill();

  const second = runLoop({ PATH, HOME: dir }, dir);
  await second.until(() => second.kinds().includes('ready'));
  expect(second.kinds()).toEqual(['ready']);
  // The early ping waited in the terminal and is answered by the loop.
  expect((await second.response('p0'))[0]).toMatchObject({ status: 'ok' });
  second.term.kill();
});

it('refuses a damaged loop, and replaces a kept copy that no longer matches its hash', async () => {
  const damaged = runLoop({ PATH, HOME: dir }, dir, loopPayload().replace(/^..../, 'ZWNo'));
  await damaged.until(() => damaged.exitCode() !== undefined);
  expect(damaged.kinds()).toEqual(['load', 'badload']);
  expect(damaged.exitCode()).toBe(1);
  expect(readdirSync(path.dirname(cached()))).toEqual([]);

  mkdirSync(path.dirname(cached()), { recursive: true });
  writeFileSync(cached(), 'echo tampered > tampered\n');
  const loop = runLoop({ PATH, HOME: dir }, dir);
  await loop.until(() => loop.kinds().includes('ready'));
  expect(loop.kinds()).toEqual(['load', 'ready']);
  expect(existsSync(path.join(dir, 'tampered'))).toBe(false);
  expect(readFileSync(cached(), 'utf8')).toBe(LOOP_SCRIPT);
  loop.term.kill();
});

it('runs from a private directory when the cache cannot be written', async () => {
  // A file where the cache directory would go: mkdir fails for any user, root included.
  writeFileSync(path.join(dir, 'not-a-dir'), '');
  const env = { PATH, HOME: dir, XDG_CACHE_HOME: path.join(dir, 'not-a-dir', 'cache') };
  for (let i = 0; i < 2; i++) {
    const loop = runLoop(env, dir);
    await loop.until(() => loop.kinds().includes('ready'));
    // Nothing could be kept, so every start asks again; the loop still serves.
    expect(loop.kinds()).toEqual(['load', 'ready']);
    loop.term.write(requestLine('p1', 'ping', []));
    expect((await loop.response('p1'))[0]).toMatchObject({ status: 'ok' });
    loop.term.kill();
  }
});

it('serves requests, re-sends a kept response on fetch, refuses a stale compare-and-swap, and exits on bye', async () => {
  const loop = runLoop({ PATH, HOME: dir }, dir);
  await loop.until(() => loop.kinds().includes('ready'));
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
  loop.term.write(
    requestLine('w2', 'write', [
      b64(file),
      b64('second\n'),
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]),
  );
  expect((await loop.response('w2'))[0]).toMatchObject({
    status: 'err',
    fields: [expect.stringMatching(/^CHANGED$/), expect.any(String)],
  });
  expect(readFileSync(file, 'utf8')).toBe('changed behind our back\n');

  loop.term.write(requestLine('b1', 'bye', []));
  await loop.until(() => loop.exitCode() !== undefined);
  expect(loop.exitCode()).toBe(0);
});
