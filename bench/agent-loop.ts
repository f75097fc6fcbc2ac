/**
 * `npm run bench:agent-loop`: what each operation costs inside the agent's `sh` loop alone, without
 * the network, coderd or the PTY: the loop reads 200 requests of one kind from a pipe and the time per
 * request is printed, under this machine's /bin/sh with its tools and under busybox ash with busybox
 * applets only (as on Alpine images). Each shell's floor is a bare `sh -c 'echo ok'` started for each
 * request line, the least a command can cost; every operation is also printed as a ratio to it, with
 * the goal it has (a warm call should cost about one shell start). Most of the cost is starting
 * processes, which is what the loop is written to avoid.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { b64, LOOP_SCRIPT, parseLine, requestLine } from '../lib/tunnel/protocol';
import { busyboxImage } from '../test/helpers/busybox';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Shell {
  name: string;
  argv: string[];
  path: string;
}

/** Requests for one operation; `hash` stands for the file's current SHA-256, so every compare-and-swap write goes through. */
type Fields = (i: number, file: string, dir: string, hash: string) => (string | number)[];

const CONTENT = 'hello world\n'.repeat(100);
const SHORT = 'a short file, sixty bytes long, as a config or a note is..\n';

/** The operations with their goal, as a ratio to the floor (undefined: no goal). */
const OPS: { name: string; op: string; fields: Fields; goal?: number }[] = [
  { name: 'exec (echo ok)', op: 'exec', fields: () => [b64('echo ok'), '60.000', 600, 0, 1 << 20], goal: 2 },
  { name: 'exec (no output)', op: 'exec', fields: () => [b64('true'), '60.000', 600, 0, 1 << 20], goal: 2 },
  { name: 'read (60 B)', op: 'read', fields: (_i, _file, dir) => [b64(path.join(dir, 'short.txt')), 0, 1 << 20], goal: 2 },
  { name: 'read (1.2 KB)', op: 'read', fields: (_i, file) => [b64(file), 0, 1 << 20], goal: 2 },
  { name: 'read at an offset', op: 'read', fields: (_i, file) => [b64(file), 100, 100], goal: 2 },
  { name: 'ls', op: 'ls', fields: (_i, _file, dir) => [b64(dir)], goal: 1.5 },
  { name: 'write (new file)', op: 'write', fields: (i, _file, dir) => [b64(path.join(dir, 'new', `w${i}.txt`)), b64('data\n')], goal: 2 },
  { name: 'write (compare-and-swap)', op: 'write', fields: (_i, file, _dir, hash) => [b64(file), b64(CONTENT), hash], goal: 2 },
];

/** Milliseconds per request line of `script` run as the loop, best of the rounds; `check` sees the output of each round. */
function perRequest(shell: Shell, script: string, input: string, dir: string, check: (stdout: string) => void): number {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const [program = '/bin/sh', ...leading] = shell.argv;
    const started = performance.now();
    const run = spawnSync(program, [...leading, '-c', script, 'sh', 'bench'], { input, encoding: 'utf8', cwd: dir, env: { PATH: shell.path, HOME: dir } });
    best = Math.min(best, (performance.now() - started) / REQUESTS);
    check(run.stdout);
  }
  return best;
}

/** The floor: a shell that reads the same request lines and starts a bare `sh -c 'echo ok'` for each. */
function floor(shell: Shell, dir: string): number {
  let input = '';
  for (let i = 0; i < REQUESTS; i++) input += requestLine(`r${i}`, 'exec', OPS[0]?.fields(i, '', dir, '') ?? []);
  return perRequest(shell, `while IFS= read -r line; do sh -c 'echo ok'; done`, input, dir, (stdout) => {
    if (stdout.split('\n').filter((l) => l === 'ok').length !== REQUESTS) throw new Error(`${shell.name}: the floor loop did not run every command`);
  });
}

function timeOp(shell: Shell, op: (typeof OPS)[number], dir: string): number {
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, CONTENT);
  writeFileSync(path.join(dir, 'short.txt'), SHORT);
  const hash = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0] ?? '';
  let input = '';
  for (let i = 0; i < REQUESTS; i++) input += requestLine(`r${i}`, op.op, op.fields(i, file, dir, hash));
  return perRequest(shell, LOOP_SCRIPT, input, dir, (stdout) => {
    const answers = stdout.split('\n').map(parseLine).filter((l) => l !== undefined && 'status' in l);
    const failed = answers.filter((l) => 'status' in l && l.status !== 'ok');
    if (answers.length !== REQUESTS || failed.length > 0) throw new Error(`${shell.name}, ${op.name}: ${answers.length} answers, ${failed.length} failed: ${stdout.slice(0, 300)}`);
  });
}

function main(): void {
  const busybox = busyboxImage();
  const shells: Shell[] = [
    { name: '/bin/sh + this machine', argv: ['/bin/sh'], path: process.env.PATH ?? '/usr/bin:/bin' },
    { name: 'busybox ash + applets', argv: busybox.shell, path: busybox.path },
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-agent-loop-'));
  try {
    console.log(`agent loop, ${REQUESTS} requests per operation from a pipe, best of ${ROUNDS} rounds: ms per request (ratio to the floor)\n`);
    console.log(['operation', 'goal', ...shells.map((s) => s.name)].join(' | '));
    console.log(Array(shells.length + 2).fill('---').join(' | '));
    const floors = shells.map((s) => floor(s, dir));
    console.log(['floor: sh -c \'echo ok\'', '', ...floors.map((ms) => `${ms.toFixed(2)} (1.0x)`)].join(' | '));
    for (const op of OPS) {
      const cells = shells.map((s, i) => {
        const ms = timeOp(s, op, dir);
        const ratio = ms / (floors[i] ?? ms);
        const missed = op.goal !== undefined && ratio > op.goal ? ' over' : '';
        return `${ms.toFixed(2)} (${ratio.toFixed(1)}x${missed})`;
      });
      console.log([op.name, op.goal === undefined ? '' : `<= ${op.goal}x`, ...cells].join(' | '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(busybox.path, { recursive: true, force: true });
  }
}

main();
