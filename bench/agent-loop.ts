/**
 * `npm run bench:agent-loop`: what each operation costs inside the agent's `sh` loop alone, without
 * the network, coderd or the PTY: the bootstrap reads 200 requests of one kind from a pipe and the
 * time per request is printed, under this machine's /bin/sh with its tools and under busybox ash
 * with busybox applets only (as on Alpine images). Most of the cost is starting processes
 * (`timeout`, `sh`, `head`, `base64`, ...), which is what the loop is written to avoid.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { b64, LOOP_SCRIPT, parseLine, requestLine } from '../lib/tunnel/protocol';
import { busyboxImage } from '../test/helpers/busybox';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ROUNDS = 3;

interface Shell {
  name: string;
  argv: string[];
  path: string;
}

/** Requests for one operation; `hash` stands for the file's current SHA-256, so every compare-and-swap write goes through. */
type Fields = (i: number, file: string, dir: string, hash: string) => (string | number)[];

const OPS: { name: string; op: string; fields: Fields }[] = [
  { name: 'exec (echo ok)', op: 'exec', fields: () => [b64('echo ok'), '60.000', 600, 0, 1 << 20] },
  { name: 'exec (no output)', op: 'exec', fields: () => [b64('true'), '60.000', 600, 0, 1 << 20] },
  { name: 'read (1.2 KB)', op: 'read', fields: (_i, file) => [b64(file), 0, 1 << 20] },
  { name: 'read at an offset', op: 'read', fields: (_i, file) => [b64(file), 100, 100] },
  { name: 'ls', op: 'ls', fields: (_i, _file, dir) => [b64(dir)] },
  { name: 'hash', op: 'hash', fields: (_i, file) => [b64(file)] },
  { name: 'write (new file)', op: 'write', fields: (i, _file, dir) => [b64(path.join(dir, `w${i}.txt`)), b64('data\n')] },
  { name: 'write (compare-and-swap)', op: 'write', fields: (_i, file, _dir, hash) => [b64(file), b64(CONTENT), hash] },
];
const CONTENT = 'hello world\n'.repeat(100);

function timeOp(shell: Shell, op: (typeof OPS)[number], dir: string): number {
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, CONTENT);
  const hash = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0] ?? '';
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    let input = '';
    for (let i = 0; i < REQUESTS; i++) input += requestLine(`r${i}`, op.op, op.fields(i, file, dir, hash));
    const started = performance.now();
    const [program = '/bin/sh', ...leading] = shell.argv;
    const run = spawnSync(program, [...leading, '-c', LOOP_SCRIPT, 'sh', 'bench'], { input, encoding: 'utf8', cwd: dir, env: { PATH: shell.path, HOME: dir } });
    const ms = (performance.now() - started) / REQUESTS;
    const answers = run.stdout.split('\n').map(parseLine).filter((l) => l !== undefined && 'status' in l);
    const failed = answers.filter((l) => 'status' in l && l.status !== 'ok');
    if (answers.length !== REQUESTS || failed.length > 0) throw new Error(`${shell.name}, ${op.name}: ${answers.length} answers, ${failed.length} failed: ${run.stdout.slice(0, 300)}`);
    best = Math.min(best, ms);
  }
  return best;
}

function main(): void {
  const busybox = busyboxImage();
  const shells: Shell[] = [
    { name: '/bin/sh + this machine', argv: ['/bin/sh'], path: process.env.PATH ?? '/usr/bin:/bin' },
    { name: 'busybox ash + applets', argv: busybox.shell, path: busybox.path },
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-agent-loop-'));
  try {
    console.log(`agent loop, ${REQUESTS} requests per operation from a pipe, best of ${ROUNDS} rounds: ms per request\n`);
    console.log(['operation', ...shells.map((s) => s.name)].join(' | '));
    console.log(Array(shells.length + 1).fill('---').join(' | '));
    for (const op of OPS) console.log([op.name, ...shells.map((s) => timeOp(s, op, dir).toFixed(2))].join(' | '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(busybox.path, { recursive: true, force: true });
  }
}

main();
