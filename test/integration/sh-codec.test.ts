/**
 * The agent loop's own base64 decoder (`d64`, `arg`) and encoder (`e64`) against Node's, under every
 * POSIX shell this machine has (dash is /bin/sh here; bash is /bin/sh on Fedora and RHEL agents): all
 * byte values, every padding case, and lengths on both sides of the points where the loop hands off to
 * `base64`. busybox runs with busybox applets only on PATH, so its own `base64 -d` takes the long fields.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SH_DECODE_MAX, SH_ENCODE_MAX, shSection } from '../../lib/tunnel/protocol';
import { busyboxImage } from '../helpers/busybox';
import type { AgentImage } from '../sim/terminal/sessions';

const SHELLS: [string, () => AgentImage][] = [
  ...['/bin/sh', '/bin/dash', '/bin/bash']
    .filter((s) => existsSync(s))
    .map((s): [string, () => AgentImage] => [s, () => ({ shell: [s], path: process.env.PATH ?? '/usr/bin:/bin' })]),
  ['busybox ash + applets', busyboxImage],
];

// d64 hands a field longer than DECODE_MAX to `base64 -d`; the agent program sets it above the sections.
const CODEC = `DECODE_MAX=${SH_DECODE_MAX}\n${shSection('d64')}\n${shSection('e64')}\n`;

/** Byte lengths whose base64 lands just below, on and just above the hand-off, plus the small padding cases. */
const handOff = (SH_DECODE_MAX / 4) * 3;
const LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 50, handOff - 3, handOff - 1, handOff, handOff + 1, handOff + 3, 400];
const ENCODE_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 50, SH_ENCODE_MAX - 1, SH_ENCODE_MAX, SH_ENCODE_MAX + 1, 200];

/** Random bytes without NUL, which no shell string can hold (the loop never hands e64 one). */
function noNul(length: number): Buffer {
  const data = randomBytes(length);
  for (let i = 0; i < data.length; i++) if (data[i] === 0) data[i] = 1 + (i % 255);
  return data;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sh-codec-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(SHELLS)('%s', (_name, image) => {
  let shell: AgentImage;
  beforeAll(() => {
    shell = image();
  });
  const run = (script: string, args: (string | Buffer)[], env: Record<string, string> = {}) => {
    const [program = '/bin/sh', ...leading] = shell.shell;
    // Buffers go in as they are: a byte string, not UTF-8.
    return execFileSync(
      program,
      [...leading, '-c', script, 'sh', ...args.map((a) => (typeof a === 'string' ? a : a.toString('latin1')))],
      {
        env: { PATH: shell.path, D: dir, ...env },
        encoding: 'latin1',
      },
    );
  };
  // Node passes argv strings as UTF-8: raw bytes travel through a file instead.
  const encode = (data: Buffer, mode = '') => {
    const input = path.join(dir, 'e64.in');
    writeFileSync(input, data);
    return run(`${CODEC}\n${mode}s=$(cat "$1"; printf x); s=\${s%x}; e64 "$s"; printf '%s|%s' "$E" "$e"`, [input]);
  };

  it.each(LENGTHS)('d64 decodes %i random bytes exactly', (length) => {
    const data = randomBytes(length);
    const out = path.join(dir, 'd64.out');
    run(`${CODEC}\nd64 "$1" > "$2"`, [data.toString('base64'), out]);
    expect(readFileSync(out).equals(data)).toBe(true);
  });

  it('d64 decodes every byte value', () => {
    const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    // In short slices, so the shell's own path is the one tested.
    for (let at = 0; at < data.length; at += 48) {
      const slice = data.subarray(at, at + 48);
      const out = path.join(dir, 'bytes.out');
      run(`${CODEC}\nd64 "$1" > "$2"`, [slice.toString('base64'), out]);
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
    run(`${CODEC}\narg "$1"; printf '%s' "$a" > "$2"`, [Buffer.from(value).toString('base64'), out]);
    expect(readFileSync(out, 'utf8')).toBe(value);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  it.each(ENCODE_LENGTHS)('e64 encodes %i random bytes exactly', (length) => {
    const data = noNul(length);
    expect(encode(data)).toBe(`1|${data.toString('base64')}`);
  });

  it('e64 encodes every byte value but NUL, shell syntax included, without running any of it', () => {
    const data = Buffer.from(Array.from({ length: 255 }, (_, i) => i + 1));
    for (let at = 0; at < data.length; at += 40) {
      const slice = data.subarray(at, at + 40);
      expect(encode(slice)).toBe(`1|${slice.toString('base64')}`);
    }
    const nasty = Buffer.from('$(touch pwned) `touch pwned` "\'\\*?[a]-/ \t\r\n');
    expect(encode(nasty)).toBe(`1|${nasty.toString('base64')}`);
    expect(existsSync(path.join(dir, 'pwned'))).toBe(false);
  });

  it('e64 with E0 set turns "/" into NUL (the separator of ls records) and nothing else', () => {
    const records = Buffer.from('d:a dir/f:caf\u00e9 \u00ff/');
    expect(encode(records, 'E0=1; ')).toBe(`1|${Buffer.from('d:a dir\0f:caf\u00e9 \u00ff\0').toString('base64')}`);
  });

  it('counts bytes in a UTF-8 locale, and leaves an exported LC_ALL to the commands (and the encoding to base64)', () => {
    const probe = `${CODEC}\nprintf '%s|' "$E"; sh -c 'printf "%s" "\${LC_ALL-unset}"'`;
    expect(run(probe, [], { LANG: 'C.UTF-8' })).toBe('1|unset');
    const exported = run(probe, [], { LC_ALL: 'C.UTF-8' });
    // dash counts bytes whatever the locale; the others count characters under an exported UTF-8 LC_ALL.
    expect(exported).toMatch(/^1?\|C\.UTF-8$/);
  });
});
