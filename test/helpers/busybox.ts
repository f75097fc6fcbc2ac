/**
 * A busybox "workspace image" for the simulator: busybox ash as the shell and a PATH holding nothing
 * but busybox applets, as on Alpine images. The binary comes from the system or from test/busybox/,
 * where `npm install` puts Debian's (scripts/fetch-busybox.sh).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AgentImage } from '../sim/terminal/sessions';

export function findBusybox(): string {
  const local = path.join(__dirname, '..', 'busybox', 'busybox');
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, 'busybox');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error(
    'busybox is needed for this test: `npm install` fetches it into test/busybox/ (scripts/fetch-busybox.sh), or install the busybox package',
  );
}

/** A fresh directory of applet links, so the shell finds busybox's tools and no others. */
export function busyboxImage(): AgentImage {
  const busybox = findBusybox();
  const bin = mkdtempSync(path.join(tmpdir(), 'busybox-bin-'));
  execFileSync(busybox, ['--install', '-s', bin]);
  return { shell: [busybox, 'sh'], path: bin };
}
