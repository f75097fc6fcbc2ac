/**
 * The agent loop's operations driven straight through a pipe, under every POSIX shell this machine
 * has and busybox ash with busybox applets only: each path an answer can take (encoded by the shell,
 * or through head and base64 when the data is long or holds a NUL) gives the same bytes, the output
 * cap holds, and the constants TypeScript reads from agent.sh are the ones the program acts on. And
 * with a terminal, as on an agent: commands run as jobs of their own, ended at their deadline by the
 * loop's own clock rather than by timeout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
import {
  b64,
  isResponse,
  LOOP_SCRIPT,
  MARK,
  parseLine,
  requestLine,
  SH_DECODE_MAX,
  SH_ENCODE_MAX,
  type ResponseLine,
} from '../../lib/tunnel/protocol';
import { busyboxImage } from '../helpers/busybox';
import type { AgentImage } from '../sim/terminal/sessions';

const SHELLS: [string, () => AgentImage][] = [
  ...['/bin/dash', '/bin/bash']
    .filter((s) => existsSync(s))
    .map((s): [string, () => AgentImage] => [s, () => ({ shell: [s], path: process.env.PATH ?? '/usr/bin:/bin' })]),
  ['busybox ash + applets', busyboxImage],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'agent-loop-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(SHELLS)('%s', (_name, image) => {
  let shell: AgentImage;
  beforeAll(() => {
    shell = image();
  });
  /** Runs the loop on the requests and returns its answers by id. */
  const loop = (requests: string[], pathVar = shell.path): Map<string, ResponseLine> => {
    const [program = '/bin/sh', ...leading] = shell.shell;
    const run = spawnSync(program, [...leading, '-c', LOOP_SCRIPT, 'sh', 'n0'], {
      input: requests.join(''),
      encoding: 'latin1',
      cwd: dir,
      env: { PATH: pathVar, HOME: dir },
    });
    const answers = new Map<string, ResponseLine>();
    for (const raw of run.stdout.split('\n')) {
      const line = parseLine(raw);
      if (line && isResponse(line)) answers.set(line.id, line);
    }
    return answers;
  };
  const data = (answer: ResponseLine | undefined, at: number) => Buffer.from(answer?.fields[at] ?? '', 'base64');
  const exec = (id: string, command: string, cap = 1 << 20) =>
    requestLine(id, 'exec', [b64(command), '10.000', 100, 0, cap]);

  it('answers with the marker agent.sh defines, which is the one the channel parses', () => {
    const [program = '/bin/sh', ...leading] = shell.shell;
    const run = spawnSync(program, [...leading, '-c', LOOP_SCRIPT, 'sh', 'n0'], {
      input: requestLine('p1', 'ping', []),
      encoding: 'latin1',
      env: { PATH: shell.path, HOME: dir },
    });
    expect(run.stdout).toContain(`\n${MARK}_READY n0\n${MARK} n0 p1 ok .\n`);
  });

  it('gives the same output bytes whichever way they are encoded, and never more than the cap allows', () => {
    const long = 'x'.repeat(SH_ENCODE_MAX + 1);
    const answers = loop([
      exec('short', 'echo ok'),
      exec('edge', `printf '%s' '${'y'.repeat(SH_ENCODE_MAX)}'`),
      exec('long', `printf '%s' '${long}'`),
      exec('nul', "printf 'a\\000b\\n'"),
      exec('binary', "printf '\\377\\200\\001/'"),
      exec('none', 'true'),
      exec('capped', 'echo 0123456789', 4),
      exec('big', 'head -c 300000 /dev/zero', 1000),
    ]);
    expect(data(answers.get('short'), 2).toString()).toBe('ok\n');
    expect(data(answers.get('edge'), 2).toString()).toBe('y'.repeat(SH_ENCODE_MAX));
    expect(data(answers.get('long'), 2).toString()).toBe(long);
    expect(data(answers.get('nul'), 2)).toEqual(Buffer.from('a\0b\n'));
    expect(data(answers.get('binary'), 2)).toEqual(Buffer.from([0xff, 0x80, 0x01, 0x2f]));
    expect(answers.get('none')?.fields).toEqual(['0', '0']);
    // CAP+1 bytes: one more than the cap says there was more.
    expect(data(answers.get('capped'), 2).toString()).toBe('01234');
    expect(data(answers.get('big'), 2)).toEqual(Buffer.alloc(1001));
  });

  it("reads a range the same way whether the shell or base64 encodes it, with the file's size", () => {
    const small = path.join(dir, 'small.bin');
    writeFileSync(small, 'hello\nworld\n');
    const withNul = path.join(dir, 'nul.bin');
    writeFileSync(withNul, Buffer.from('a\0b'));
    const big = path.join(dir, 'big.txt');
    const text = 'line of text\n'.repeat(100);
    writeFileSync(big, text);
    const answers = loop([
      requestLine('whole', 'read', [b64(small), 0, 100]),
      requestLine('head', 'read', [b64(small), 0, 5]),
      requestLine('empty', 'read', [b64(small), 0, 0]),
      requestLine('offset', 'read', [b64(small), 6, 3]),
      requestLine('nul', 'read', [b64(withNul), 0, 100]),
      requestLine('big', 'read', [b64(big), 0, 1 << 20]),
      requestLine('bighead', 'read', [b64(big), 0, 20]),
      requestLine('bigpart', 'read', [b64(big), 0, 700]),
      requestLine('bigmid', 'read', [b64(big), 50, 100]),
      requestLine('nulmid', 'read', [b64(withNul), 1, 5]),
      requestLine('far', 'read', [b64(big), 1000, 10]),
      requestLine('past', 'read', [b64(small), 50, 10]),
    ]);
    const read = (id: string) => ({
      size: answers.get(id)?.fields[0],
      data: data(answers.get(id), 1).toString('latin1'),
    });
    expect(read('whole')).toEqual({ size: '12', data: 'hello\nworld\n' });
    expect(read('head')).toEqual({ size: '12', data: 'hello' });
    expect(read('empty')).toEqual({ size: '12', data: '' });
    expect(read('offset')).toEqual({ size: '12', data: 'wor' });
    expect(read('nul')).toEqual({ size: '3', data: 'a\0b' });
    expect(read('big')).toEqual({ size: String(text.length), data: text });
    expect(read('bighead')).toEqual({ size: String(text.length), data: text.slice(0, 20) });
    expect(read('bigpart')).toEqual({ size: String(text.length), data: text.slice(0, 700) });
    expect(read('bigmid')).toEqual({ size: String(text.length), data: text.slice(50, 150) });
    expect(read('nulmid')).toEqual({ size: '3', data: '\0b' });
    expect(read('far')).toEqual({ size: String(text.length), data: text.slice(1000, 1010) });
    expect(read('past')).toEqual({ size: '12', data: '' });
  });

  it('lists a small directory through the shell and a large one through base64, alike', () => {
    const few = path.join(dir, 'few');
    const many = path.join(dir, 'many');
    mkdirSync(path.join(few, 'sub'), { recursive: true });
    writeFileSync(path.join(few, 'caf\u00e9 \\ "x"'), '');
    writeFileSync(path.join(few, '.hidden'), '');
    mkdirSync(many, { recursive: true });
    for (let i = 0; i < 40; i++) writeFileSync(path.join(many, `file-${i}.txt`), '');
    const answers = loop([requestLine('few', 'ls', [b64(few)]), requestLine('many', 'ls', [b64(many)])]);
    const records = (id: string) => data(answers.get(id), 0).toString('utf8').split('\0').filter(Boolean).sort();
    expect(records('few')).toEqual(['d:sub', 'f:.hidden', 'f:caf\u00e9 \\ "x"'].sort());
    expect(records('many')).toEqual(Array.from({ length: 40 }, (_, i) => `f:file-${i}.txt`).sort());
  });

  it('decodes and encodes short data without base64, and hands longer data to it exactly past the limits agent.sh sets', () => {
    // A PATH with the loop's tools but no base64: what needs it fails, what the shell does alone works.
    const bin = path.join(dir, `bin-${shell.shell.join('-').replace(/\W/g, '')}`);
    mkdirSync(bin, { recursive: true });
    for (const tool of ['sh', 'mktemp', 'rm', 'timeout', 'head', 'cat', 'mv', 'tr']) {
      const found = shell.path
        .split(':')
        .map((d) => path.join(d, tool))
        .find((p) => existsSync(p));
      if (found && !existsSync(path.join(bin, tool))) symlinkSync(found, path.join(bin, tool));
    }
    // Commands whose base64 is exactly SH_DECODE_MAX characters long, and one group longer.
    const decodable = `echo ${'z'.repeat((SH_DECODE_MAX / 4) * 3 - 5)}`;
    const tooLong = `echo ${'z'.repeat((SH_DECODE_MAX / 4) * 3 - 4)}`;
    const answers = loop(
      [
        exec('dec', decodable),
        exec('undecodable', tooLong),
        exec('enc', `head -c ${SH_ENCODE_MAX} /dev/zero | tr '\\0' e`),
        exec('over', `head -c ${SH_ENCODE_MAX + 1} /dev/zero | tr '\\0' e`),
      ],
      bin,
    );
    expect(b64(decodable)).toHaveLength(SH_DECODE_MAX);
    expect(data(answers.get('dec'), 2).toString()).toBe(`${decodable.slice(5)}\n`);
    // base64 -d is missing: the command file is empty, so it prints nothing.
    expect(answers.get('undecodable')?.fields).toEqual(['0', '0']);
    expect(data(answers.get('enc'), 2).toString()).toBe('e'.repeat(SH_ENCODE_MAX));
    expect(answers.get('over')?.fields[2]).toBeUndefined();
  });

  it('with a terminal, runs each command as a job of its own and ends it, its children and a TERM-ignoring one at the deadline', async () => {
    const requests = path.join(dir, 'requests');
    const marker = path.join(dir, `late-${shell.shell.join('').replace(/\W/g, '')}`);
    writeFileSync(
      requests,
      [
        // $$ and the shell's process group (field 5 of /proc/self/stat): equal when it leads a group of its own.
        exec('job', 'read -r a b c d e f < /proc/self/stat; echo "$$ $e"'),
        requestLine('slow', 'exec', [
          b64(`( sleep 1; echo late > '${marker}' ) & echo started; sleep 30`),
          '0.300',
          3,
          0,
          1 << 20,
        ]),
        requestLine('stubborn', 'exec', [b64("trap '' TERM; echo stubborn; sleep 30"), '0.200', 2, 0, 1 << 20]),
        exec('after', 'echo after; exit 3'),
        // Its clock sweeps older outputs while it runs; its own must stay for a fetch to send it again.
        exec('kept', 'echo kept; sleep 0.3'),
        requestLine('again', 'fetch', ['kept']),
      ].join(''),
    );
    const [program = '/bin/sh', ...leading] = shell.shell;
    const started = Date.now();
    const out = await new Promise<string>((resolve) => {
      let text = '';
      const term = pty.spawn(
        '/bin/sh',
        ['-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', requests, program, ...leading, '-c', LOOP_SCRIPT, 'sh', 'n0'],
        {
          cwd: dir,
          env: { PATH: shell.path, HOME: dir },
        },
      );
      term.onData((d) => {
        text += d;
      });
      term.onExit(() => resolve(text));
    });
    const elapsed = Date.now() - started;
    const lines = out.split('\n').flatMap((raw) => {
      const line = parseLine(raw);
      return line && isResponse(line) ? [line] : [];
    });
    const answers = new Map(lines.map((line) => [line.id, line] as const));
    expect(lines.filter((l) => l.id === 'kept').map((l) => data(l, 2).toString())).toEqual(['kept\n', 'kept\n']);
    expect(answers.get('again')?.fields).toEqual(['1']);
    const [pid, group] = data(answers.get('job'), 2).toString().trim().split(' ');
    expect(group).toBe(pid);
    expect(answers.get('slow')?.fields.slice(0, 2)).toEqual(['124', '0']);
    expect(data(answers.get('slow'), 2).toString()).toBe('started\n');
    expect(answers.get('stubborn')?.fields.slice(0, 2)).toEqual(['124', '0']);
    expect(answers.get('after')?.fields.slice(0, 2)).toEqual(['3', '0']);
    // TERM at 0.3 s, and for the stubborn one KILL 2 s after its TERM at 0.2 s (busybox's sleep may end at TERM
    // anyway): at least both deadlines, and well under the 30 s they asked for.
    expect(elapsed).toBeGreaterThanOrEqual(500);
    expect(elapsed).toBeLessThan(8000);
    await new Promise((r) => setTimeout(r, 1200));
    expect(existsSync(marker)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('tmp.'))).toEqual([]);
  }, 20_000);

  it('ends a command at its deadline even when the session ends while it runs', async () => {
    const requests = path.join(dir, 'requests-hup');
    const marker = path.join(dir, `orphan-${shell.shell.join('').replace(/\W/g, '')}`);
    writeFileSync(
      requests,
      requestLine('long', 'exec', [b64(`sleep 2; echo late > '${marker}'`), '0.500', 5, 0, 1 << 20]),
    );
    const [program = '/bin/sh', ...leading] = shell.shell;
    const term = pty.spawn(
      '/bin/sh',
      ['-c', 'f=$1; shift; exec "$@" < "$f"', 'sh', requests, program, ...leading, '-c', LOOP_SCRIPT, 'sh', 'n0'],
      {
        cwd: dir,
        env: { PATH: shell.path, HOME: dir },
      },
    );
    const exited = new Promise((resolve) => term.onExit(resolve));
    await new Promise((r) => setTimeout(r, 250));
    // The terminal hangs up on the loop, as coderd's agent does when it drops an orphaned session.
    term.kill('SIGHUP');
    await exited;
    await new Promise((r) => setTimeout(r, 2600));
    expect(existsSync(marker)).toBe(false);
  }, 20_000);
});
