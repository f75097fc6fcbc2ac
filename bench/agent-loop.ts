/**
 * `npm run bench:agent-loop`: what each operation costs inside the agent's `sh` loop alone, without
 * the network or coderd. The loop runs with a terminal of its own, as on an agent (a PTY, so that it
 * has job control), and reads 200 requests of one kind from a file; the cost per request is printed
 * under this machine's /bin/sh with its tools and under busybox ash with busybox applets only (as on
 * Alpine images), as wall-clock time and as CPU time (steadier on a busy machine). Each shell's floor
 * is a bare `sh -c 'echo ok'` started for each request line, the least a command can cost; every
 * operation is printed as a ratio to it, with its goal (a warm call should cost about one shell start).
 * What the loop cannot do without a process is written at the top of lib/tunnel/agent.sh.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
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
  {
    name: 'read (60 B)',
    op: 'read',
    fields: (_i, _file, dir) => [b64(path.join(dir, 'short.txt')), 0, 1 << 20],
    goal: 2,
  },
  { name: 'read (1.2 KB)', op: 'read', fields: (_i, file) => [b64(file), 0, 1 << 20], goal: 2 },
  { name: 'read at an offset', op: 'read', fields: (_i, file) => [b64(file), 100, 100], goal: 2 },
  { name: 'ls', op: 'ls', fields: (_i, _file, dir) => [b64(dir)], goal: 1.5 },
  {
    name: 'write (new file)',
    op: 'write',
    fields: (i, _file, dir) => [b64(path.join(dir, 'new', `w${i}.txt`)), b64('data\n')],
    goal: 2,
  },
  {
    name: 'write (compare-and-swap)',
    op: 'write',
    fields: (_i, file, _dir, hash) => [b64(file), b64(CONTENT), hash],
    goal: 2,
  },
];

/** Wall-clock and CPU milliseconds (the loop's and its processes', user and system). */
interface Cost {
  wall: number;
  cpu: number;
}

/** Runs `script` as the loop under a PTY with `input` on its stdin, and gives what it printed and what it cost. */
function runOnce(shell: Shell, script: string, input: string, dir: string): Promise<Cost & { stdout: string }> {
  const requests = path.join(dir, 'requests');
  writeFileSync(requests, input);
  const [program = '/bin/sh', ...leading] = shell.argv;
  return new Promise((resolve) => {
    let stdout = '';
    const started = performance.now();
    // The PTY is the loop's controlling terminal (job control needs one); the requests come from a file, as fast
    // as it reads. `times` then prints the CPU time of the loop and everything it waited for (its clock, which
    // outlives it, is left out: it runs beside the loop and mostly sleeps).
    const term = pty.spawn(
      '/bin/sh',
      ['-c', 'f=$1; shift; "$@" < "$f"; times', 'sh', requests, program, ...leading, '-c', script, 'sh', 'bench'],
      {
        cwd: dir,
        env: { PATH: shell.path, HOME: dir },
        cols: 200,
        rows: 50,
      },
    );
    term.onData((d) => {
      stdout += d;
    });
    term.onExit(() => {
      const wall = performance.now() - started;
      const text = stdout.replace(/\r/g, '');
      // The last line of `times`: the children's user and system time, as 0m1.234s 0m0.567s.
      const children = text.trim().split('\n').pop() ?? '';
      const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
      resolve({ wall, cpu: seconds.length === 2 ? ((seconds[0] ?? 0) + (seconds[1] ?? 0)) * 1000 : NaN, stdout: text });
    });
  });
}

/** Cost per request line of `script` run as the loop, the best of the rounds for each figure; `check` sees the output of each round. */
async function perRequest(
  shell: Shell,
  script: string,
  input: string,
  dir: string,
  check: (stdout: string) => void,
): Promise<Cost> {
  const best = { wall: Infinity, cpu: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    const run = await runOnce(shell, script, input, dir);
    best.wall = Math.min(best.wall, run.wall / REQUESTS);
    best.cpu = Math.min(best.cpu, run.cpu / REQUESTS);
    check(run.stdout);
  }
  return best;
}

/** The floor: a shell that reads the same request lines and starts a bare `sh -c 'echo ok'` for each. */
function floor(shell: Shell, dir: string): Promise<Cost> {
  let input = '';
  for (let i = 0; i < REQUESTS; i++) input += requestLine(`r${i}`, 'exec', OPS[0]?.fields(i, '', dir, '') ?? []);
  return perRequest(shell, `while IFS= read -r line; do sh -c 'echo ok'; done`, input, dir, (stdout) => {
    if (stdout.split('\n').filter((l) => l === 'ok').length !== REQUESTS)
      throw new Error(`${shell.name}: the floor loop did not run every command`);
  });
}

function timeOp(shell: Shell, op: (typeof OPS)[number], dir: string): Promise<Cost> {
  const file = path.join(dir, 'notes.txt');
  writeFileSync(file, CONTENT);
  writeFileSync(path.join(dir, 'short.txt'), SHORT);
  const hash = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0] ?? '';
  let input = '';
  for (let i = 0; i < REQUESTS; i++) input += requestLine(`r${i}`, op.op, op.fields(i, file, dir, hash));
  return perRequest(shell, LOOP_SCRIPT, input, dir, (stdout) => {
    const answers = stdout
      .split('\n')
      .map(parseLine)
      .filter((l) => l !== undefined && 'status' in l);
    const failed = answers.filter((l) => 'status' in l && l.status !== 'ok');
    if (answers.length !== REQUESTS || failed.length > 0)
      throw new Error(
        `${shell.name}, ${op.name}: ${answers.length} answers, ${failed.length} failed: ${stdout.slice(0, 300)}`,
      );
  });
}

/** Wall-clock and CPU milliseconds with their ratios to the floor, marked when the wall-clock ratio is over the goal. */
function cell(cost: Cost, floorCost: Cost, goal: number | undefined): string {
  const ratio = cost.wall / floorCost.wall;
  const cpuRatio = cost.cpu / floorCost.cpu;
  return `${cost.wall.toFixed(2)} (${ratio.toFixed(1)}x${goal !== undefined && ratio > goal ? ' over' : ''}) cpu ${cost.cpu.toFixed(2)} (${cpuRatio.toFixed(1)}x)`;
}

async function main(): Promise<void> {
  const busybox = busyboxImage();
  const shells: Shell[] = [
    { name: '/bin/sh + this machine', argv: ['/bin/sh'], path: process.env.PATH ?? '/usr/bin:/bin' },
    { name: 'busybox ash + applets', argv: busybox.shell, path: busybox.path },
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-agent-loop-'));
  try {
    console.log(
      `agent loop under a PTY, ${REQUESTS} requests per operation from a file, best of ${ROUNDS} rounds: ms per request, wall-clock and CPU (ratio to the floor)\n`,
    );
    console.log(['operation', 'goal', ...shells.map((s) => s.name)].join(' | '));
    console.log(
      Array(shells.length + 2)
        .fill('---')
        .join(' | '),
    );
    // The machine may be busy: the floor is measured again before each operation, and its best figures are the ones used.
    const floors: Cost[] = [];
    for (const s of shells) floors.push(await floor(s, dir));
    const rows: string[][] = [];
    for (const op of OPS) {
      const costs: Cost[] = [];
      for (const [i, s] of shells.entries()) {
        const again = await floor(s, dir);
        const known = floors[i] ?? again;
        floors[i] = { wall: Math.min(known.wall, again.wall), cpu: Math.min(known.cpu, again.cpu) };
        costs.push(await timeOp(s, op, dir));
      }
      rows.push([
        op.name,
        op.goal === undefined ? '' : `<= ${op.goal}x`,
        ...costs.map((c, i) => cell(c, floors[i] ?? c, op.goal)),
      ]);
    }
    console.log(
      [
        "floor: sh -c 'echo ok'",
        '',
        ...floors.map((f) => `${f.wall.toFixed(2)} (1.0x) cpu ${f.cpu.toFixed(2)} (1.0x)`),
      ].join(' | '),
    );
    for (const row of rows) console.log(row.join(' | '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(busybox.path, { recursive: true, force: true });
  }
}

void main();
