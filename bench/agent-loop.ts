/**
 * `npm run bench:agent-loop`: what each operation costs inside the agent's `sh` loop alone, without
 * the network, coderd or the PTY: the bootstrap runs under this machine's /bin/sh reading 200
 * requests of one kind from a pipe, and the time per request is printed. Most of it is starting
 * processes (`timeout`, `sh`, `head`, `base64`, ...), which is what the loop is written to avoid.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { b64, bootstrapScript, parseLine, requestLine } from '../lib/tunnel/protocol';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);
const ROUNDS = 3;

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-agent-loop-'));
  try {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'hello world\n'.repeat(100));
    const ops: Record<string, (i: number) => (string | number)[]> = {
      'exec (echo ok)': () => [b64('echo ok'), '60.000', 600, 0, 1 << 20],
      'exec (no output)': () => [b64('true'), '60.000', 600, 0, 1 << 20],
      'read (1.2 KB)': () => [b64(file), 0, 1 << 20],
      'read at an offset': () => [b64(file), 100, 100],
      ls: () => [b64(dir)],
      hash: () => [b64(file)],
      'write (new file)': (i) => [b64(path.join(dir, `w${i}.txt`)), b64('data\n')],
      'write (compare-and-swap)': () => [b64(file), b64('hello world\n'.repeat(100)), 'skip'],
    };
    const opName: Record<string, string> = { 'exec (echo ok)': 'exec', 'exec (no output)': 'exec', 'read (1.2 KB)': 'read', 'read at an offset': 'read', ls: 'ls', hash: 'hash', 'write (new file)': 'write', 'write (compare-and-swap)': 'write' };
    console.log(`agent loop under /bin/sh, ${REQUESTS} requests per operation, best of ${ROUNDS} rounds\n`);
    console.log('operation | ms per request');
    console.log('--- | ---');
    for (const [name, fields] of Object.entries(ops)) {
      let best = Infinity;
      for (let round = 0; round < ROUNDS; round++) {
        // A compare-and-swap against the file's current hash, so every write goes through.
        const current = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0] ?? '';
        let input = '';
        for (let i = 0; i < REQUESTS; i++) input += requestLine(`r${i}`, opName[name] ?? name, fields(i).map((f) => (f === 'skip' ? current : f)));
        const started = performance.now();
        const run = spawnSync('/bin/sh', ['-c', bootstrapScript('bench')], { input, encoding: 'utf8', cwd: dir, env: { PATH: process.env.PATH, HOME: dir } });
        const ms = (performance.now() - started) / REQUESTS;
        const answers = run.stdout.split('\n').map(parseLine).filter((l) => l && 'status' in l);
        const failed = answers.filter((l) => l && 'status' in l && l.status !== 'ok');
        if (answers.length !== REQUESTS || failed.length > 0) throw new Error(`${name}: ${answers.length} answers, ${failed.length} failed: ${run.stdout.slice(0, 300)}`);
        best = Math.min(best, ms);
      }
      console.log(`${name} | ${best.toFixed(2)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
