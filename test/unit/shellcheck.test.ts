/**
 * The agent's shell program passes shellcheck as POSIX sh (`-s sh`): what dash and busybox ash accept,
 * not only bash. shellcheck is the system's or the one `npm install` puts in test/shellcheck/
 * (scripts/fetch-shellcheck.sh); a finding fails the test with shellcheck's own report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const PROGRAMS = ['lib/tunnel/agent.sh', 'lib/tunnel/dial.sh'];

function findShellcheck(): string {
  const local = path.join(ROOT, 'test', 'shellcheck', 'shellcheck');
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, 'shellcheck');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'shellcheck is needed for this test: `npm install` fetches it into test/shellcheck/ (scripts/fetch-shellcheck.sh), or install the shellcheck package',
  );
}

it.each(PROGRAMS)('%s passes shellcheck -s sh', (program) => {
  const run = spawnSync(findShellcheck(), ['-s', 'sh', '-x', program], { cwd: ROOT, encoding: 'utf8' });
  if (run.error) throw run.error;
  // The report itself is the failure message: file, line, code and what to do.
  if (run.status !== 0) throw new Error(`shellcheck -s sh ${program} found:\n${run.stdout}${run.stderr}`);
});
