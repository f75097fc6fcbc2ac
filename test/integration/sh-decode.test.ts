/**
 * The agent loop's own base64 decoder (`d64`, `arg`) against Node's, under every POSIX shell this
 * machine has (dash is /bin/sh here; bash is /bin/sh on Fedora and RHEL agents): all byte values,
 * every padding case, and lengths on both sides of the point where the loop hands off to `base64 -d`.
 * busybox runs with busybox applets only on PATH, so its own `base64 -d` takes the long fields.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SH_DECODE, SH_DECODE_MAX } from '../../lib/tunnel/protocol';
import { busyboxImage } from '../helpers/busybox';
import type { AgentImage } from '../sim/terminal/sessions';

const SHELLS: [string, () => AgentImage][] = [
  ...['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s)).map((s): [string, () => AgentImage] => [s, () => ({ shell: [s], path: process.env.PATH ?? '/usr/bin:/bin' })]),
  ['busybox ash + applets', busyboxImage],
];

/** Byte lengths whose base64 lands just below, on and just above the hand-off, plus the small padding cases. */
const handOff = (SH_DECODE_MAX / 4) * 3;
const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 50, handOff - 3, handOff - 1, handOff, handOff + 1, handOff + 3, 400];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sh-decode-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(SHELLS)('%s', (_name, image) => {
  let shell: AgentImage;
  beforeAll(() => {
    shell = image();
  });
  const run = (script: string, args: string[]) => {
    const [program = '/bin/sh', ...leading] = shell.shell;
    execFileSync(program, [...leading, '-c', script, 'sh', ...args], { env: { PATH: shell.path, D: dir } });
  };

  it.each(LENGTHS)('d64 decodes %i random bytes exactly', (length) => {
    const data = randomBytes(length);
    const out = path.join(dir, 'd64.out');
    run(`${SH_DECODE}\nd64 "$1" > "$2"`, [data.toString('base64'), out]);
    expect(readFileSync(out).equals(data)).toBe(true);
  });

  it('d64 decodes every byte value', () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    // In short slices, so the shell's own path is the one tested.
    for (let at = 0; at < data.length; at += 48) {
      const slice = data.subarray(at, at + 48);
      const out = path.join(dir, 'bytes.out');
      run(`${SH_DECODE}\nd64 "$1" > "$2"`, [slice.toString('base64'), out]);
      expect(readFileSync(out).equals(slice)).toBe(true);
    }
  });

  it.each([
    ['a plain path', '/home/coder/a b.txt'],
    ['newlines first, inside and last', '\n-rf "a b"\nx\n\n'],
    ['shell syntax', '$(touch pwned) `touch pwned` ; touch pwned \\n'],
    ['non-ASCII', 'caf\u00e9/\u65e5\u672c'],
  ])('arg puts %s into $a unchanged, as data', (_name, value) => {
    const out = path.join(dir, 'arg.out');
    run(`${SH_DECODE}\narg "$1"; printf '%s' "$a" > "$2"`, [Buffer.from(value).toString('base64'), out]);
    expect(readFileSync(out, 'utf8')).toBe(value);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });
});
