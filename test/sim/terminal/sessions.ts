/**
 * The agent side of the reconnecting PTY (coderd's buffered backend): sessions keyed by agent and
 * reconnect id, each a real PTY (node-pty) running the image's shell (default /bin/sh) in the
 * workspace's temporary home, a 64 KiB replay buffer, any number of attached sockets, close-on-exit,
 * and an orphan timeout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';

export const REPLAY_BYTES = 64 * 1024;

export interface Attachment {
  send(data: Buffer): void;
  /** Normal close: the command exited. */
  end(): void;
  /** Abrupt loss, no close frame. */
  drop(): void;
}

export interface Session {
  id: string;
  agentId: string;
  term: pty.IPty;
  history: Buffer[];
  historyBytes: number;
  attached: Set<Attachment>;
  orphanTimer: NodeJS.Timeout | undefined;
}

/** What a workspace image offers the agent: the shell that runs a PTY's command, and the PATH it sees. */
export interface AgentImage {
  /** Program and leading arguments, e.g. ['/bin/sh'] or ['/usr/bin/busybox', 'sh']. */
  shell: string[];
  path: string;
}

export interface SpawnSpec {
  agentId: string;
  workspaceId: string;
  reconnectId: string;
  command: string;
  width: number;
  height: number;
}

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly homes = new Map<string, string>();

  constructor(
    private readonly orphanTimeoutMs: number,
    private readonly image: AgentImage = { shell: ['/bin/sh'], path: process.env.PATH ?? '/usr/bin:/bin' },
  ) {}

  /** Attaches to the session with this id, starting it first if it does not exist; replays its history. */
  attach(spec: SpawnSpec, attachment: Attachment): Session {
    const key = `${spec.agentId}/${spec.reconnectId}`;
    let session = this.sessions.get(key);
    if (!session) session = this.spawn(key, spec);
    if (session.orphanTimer) clearTimeout(session.orphanTimer);
    session.orphanTimer = undefined;
    if (session.historyBytes > 0) attachment.send(Buffer.concat(session.history));
    session.attached.add(attachment);
    return session;
  }

  detach(session: Session, attachment: Attachment): void {
    if (!session.attached.delete(attachment) || session.attached.size > 0) return;
    if (!this.isLive(session)) return;
    // Like coderd: an orphaned PTY lives on for a while, waiting for its client to come back.
    session.orphanTimer = setTimeout(() => this.kill(session), this.orphanTimeoutMs);
  }

  home(workspaceId: string): string {
    let home = this.homes.get(workspaceId);
    if (!home) {
      home = mkdtempSync(path.join(tmpdir(), 'coder-sim-home-'));
      this.homes.set(workspaceId, home);
    }
    return home;
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  find(id: string): Session | undefined {
    return this.list().find((s) => s.id === id);
  }

  kill(session: Session): void {
    if (session.orphanTimer) clearTimeout(session.orphanTimer);
    this.forget(session);
    try {
      session.term.kill('SIGKILL');
    } catch {
      // already gone
    }
    for (const a of session.attached) a.end();
    session.attached.clear();
  }

  closeAll(): void {
    for (const s of this.list()) this.kill(s);
    for (const home of this.homes.values()) rmSync(home, { recursive: true, force: true });
    this.homes.clear();
  }

  private isLive(session: Session): boolean {
    return this.sessions.get(`${session.agentId}/${session.id}`) === session;
  }

  private forget(session: Session): void {
    if (this.isLive(session)) this.sessions.delete(`${session.agentId}/${session.id}`);
  }

  private spawn(key: string, spec: SpawnSpec): Session {
    const home = this.home(spec.workspaceId);
    const [program = '/bin/sh', ...leading] = this.image.shell;
    const args = [...leading, ...(spec.command ? ['-c', spec.command] : [])];
    const term = pty.spawn(program, args, {
      name: 'xterm-256color',
      cols: spec.width,
      rows: spec.height,
      cwd: home,
      env: {
        PATH: this.image.path,
        HOME: home,
        TERM: 'xterm-256color',
        USER: 'coder',
        SHELL: '/bin/sh',
        LANG: 'C.UTF-8',
      },
    });
    const session: Session = {
      id: spec.reconnectId,
      agentId: spec.agentId,
      term,
      history: [],
      historyBytes: 0,
      attached: new Set(),
      orphanTimer: undefined,
    };
    term.onData((text) => {
      const data = Buffer.from(text, 'utf8');
      remember(session, data);
      for (const a of session.attached) a.send(data);
    });
    const whenTermEnds = term.onExit;
    whenTermEnds(() => {
      // The buffered backend closes every connection when the command exits; no exit code is sent.
      if (session.orphanTimer) clearTimeout(session.orphanTimer);
      this.forget(session);
      for (const a of session.attached) a.end();
      session.attached.clear();
    });
    this.sessions.set(key, session);
    return session;
  }
}

function remember(session: Session, data: Buffer): void {
  session.history.push(data);
  session.historyBytes += data.length;
  while (session.historyBytes > REPLAY_BYTES && session.history.length > 0) {
    const first = session.history[0];
    if (!first) break;
    const excess = session.historyBytes - REPLAY_BYTES;
    if (first.length <= excess) {
      session.history.shift();
      session.historyBytes -= first.length;
    } else {
      session.history[0] = first.subarray(excess);
      session.historyBytes -= excess;
    }
  }
}
