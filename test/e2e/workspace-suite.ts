/**
 * The workspace tools through the MCP SDK client and the local server, against real files and real
 * commands in the simulator's workspace (a real PTY running a real shell in a temporary home). Run
 * once per workspace image by the test files that import it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool } from '../../lib/tunnel/shared';
import { startNginx } from '../helpers/nginx';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';
import { until } from '../helpers/until';
import type { AgentImage } from '../sim/terminal/sessions';

export interface SuiteOptions {
  /** Put a real nginx, configured as Coder's docs configure it, between the server and coderd (the simulator). */
  throughNginx?: boolean;
}

export function workspaceToolsSuite(image?: () => AgentImage, opts: SuiteOptions = {}): void {
  let stack: Stack;
  let client: Client;
  let home: string;
  const WS = 'dev';

  beforeAll(async () => {
    resetSharedPool();
    clearResolutions();
    stack = await startStack({ sim: { agentImage: image?.() }, proxy: opts.throughNginx ? startNginx : undefined });
    client = await connectClient(stack, { token: stack.sim.demo.user.token });
    home = stack.sim.pty.workspaceHome(stack.sim.demo.workspaceId);
  });
  afterAll(async () => {
    await client.close();
    resetSharedPool();
    await stack.close();
  });

  if (opts.throughNginx) {
    it('reaches coderd through nginx', () => {
      expect(stack.config.coderUrl).not.toBe(stack.sim.url);
    });
  }

  type Bash = { output: string; exit_code: number };
  const bash = async (command: string, extra: Record<string, unknown> = {}) => {
    const res = await callTool(client, 'coder_workspace_bash', { workspace: WS, command, ...extra });
    expect(res.isError).toBe(false);
    return res.json() as Bash;
  };

  describe('coder_workspace_bash', () => {
    it('runs a command in the workspace home and returns trimmed merged output and the exit code', async () => {
      expect(await bash('echo hello; echo oops >&2; pwd')).toEqual({ output: `hello\noops\n${home}`, exit_code: 0 });
      expect(await bash('echo failing; exit 3')).toEqual({ output: 'failing', exit_code: 3 });
      expect(await bash('exit 4')).toEqual({ output: '', exit_code: 4 });
      expect(await bash(`touch '${home}/quiet'`)).toEqual({ output: '', exit_code: 0 });
    });

    it("keeps a command's own shell syntax, and treats the command text as data on the way", async () => {
      const res = await bash(`printf '%s|' "a b" '$(x)' "\`echo tick\`"; echo; x=1; echo "$((x+1))"`);
      expect(res.output).toBe('a b|$(x)|tick|\n2');
    });

    it('runs multi-line commands, never reads a leading dash as a shell option, and passes undecodable output as U+FFFD', async () => {
      expect(await bash('echo one\necho two')).toEqual({ output: 'one\ntwo', exit_code: 0 });
      // Were the command handed to sh as an argument, "-c"/"-e" would be taken as options; it is a script's text instead.
      expect(await bash('-e 2>/dev/null; echo "rc=$?"')).toEqual({ output: 'rc=127', exit_code: 0 });
      expect(await bash("printf 'a\\377b'")).toEqual({ output: 'a\ufffdb', exit_code: 0 });
    });

    it("returns 124 with Coder's note when the command outlives its timeout", async () => {
      const res = await bash('echo started; sleep 5; echo never', { timeout_ms: 400 });
      expect(res.exit_code).toBe(124);
      expect(res.output).toBe('started\nCommand canceled due to timeout');
    });

    it('also stops the children of a command that outlives its timeout', async () => {
      const marker = path.join(home, 'late-child');
      // busybox's timeout counts whole seconds, so the child sleeps well past one.
      const res = await bash(`( sleep 3; echo late > '${marker}' ) & echo started; sleep 30`, { timeout_ms: 300 });
      expect(res.exit_code).toBe(124);
      await new Promise((r) => setTimeout(r, 3500));
      expect(existsSync(marker)).toBe(false);
    });

    it('keeps a background command running after the call returns', async () => {
      const marker = path.join(home, 'bg-done');
      const res = await bash(`echo begun; sleep 1; echo finished > '${marker}'`, { background: true, timeout_ms: 300 });
      expect(res).toEqual({ output: 'begun\nCommand continues running in background', exit_code: 124 });
      expect(existsSync(marker)).toBe(false);
      // The agent's shell finishes it a second later: watched for, not slept through.
      await until(
        () => existsSync(marker) && readFileSync(marker, 'utf8') === 'finished\n',
        'the background command to write its marker',
      );
    });

    it('caps a 5 MB output with a truncation note', async () => {
      const res = await bash('head -c 5000000 /dev/zero | tr "\\0" x');
      expect(res.exit_code).toBe(0);
      expect(res.output.length).toBeLessThan(1_100_000);
      expect(res.output).toMatch(/^x{1048576}\n\[output truncated: showing the first 1048576 of 5000000 bytes/);
    });

    it('refuses empty arguments and unknown workspaces with clear errors', async () => {
      expect(await callTool(client, 'coder_workspace_bash', { workspace: WS, command: '' })).toMatchObject({
        isError: true,
        text: 'command cannot be empty',
      });
      expect(await callTool(client, 'coder_workspace_bash', { workspace: '', command: 'true' })).toMatchObject({
        isError: true,
        text: 'workspace name cannot be empty',
      });
      const unknown = await callTool(client, 'coder_workspace_bash', { workspace: 'ghost', command: 'true' });
      expect(unknown.isError).toBe(true);
      expect(unknown.text).toMatch(/^failed to find workspace: .*404/);
    });
  });

  const NASTY = `we'ird "$(touch pwned)" \`touch pwned2\`; rm -rf x & |<>\n-rf ünï`;

  describe('files', () => {
    it('writes and reads back any bytes at any path, creating parents, never running anything', async () => {
      const dir = path.join(home, NASTY, '-leading');
      const file = path.join(dir, `-n ${NASTY}.bin`);
      const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 10, 13, 0x80, ...Buffer.from('$(id) `id` ; " \'')]);
      const written = await callTool(client, 'coder_workspace_write_file', {
        workspace: WS,
        path: file,
        content: bytes.toString('base64'),
      });
      expect(written).toMatchObject({ isError: false });
      expect(written.json()).toEqual({ message: 'File written successfully.' });
      expect(readFileSync(file).equals(bytes)).toBe(true);
      expect(existsSync(path.join(home, 'pwned'))).toBe(false);
      expect(existsSync(path.join(home, 'pwned2'))).toBe(false);

      const back = await callTool(client, 'coder_workspace_read_file', { workspace: WS, path: file });
      expect(back.json()).toEqual({ content: bytes.toString('base64'), mimeType: 'application/octet-stream' });
      const part = await callTool(client, 'coder_workspace_read_file', {
        workspace: WS,
        path: file,
        offset: 3,
        limit: 2,
      });
      expect((part.json() as { content: string }).content).toBe(Buffer.from([0xff, 0xfe]).toString('base64'));

      const listing = await callTool(client, 'coder_workspace_ls', { workspace: WS, path: dir });
      expect(listing.json()).toEqual({ contents: [{ path: file, is_dir: false }] });
    });

    it('writes and reads back a 1 MiB binary file intact', async () => {
      const file = path.join(home, 'big', 'blob.bin');
      const bytes = Buffer.alloc(1 << 20);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
      const written = await callTool(client, 'coder_workspace_write_file', {
        workspace: WS,
        path: file,
        content: bytes.toString('base64'),
      });
      expect(written.isError).toBe(false);
      expect(readFileSync(file).equals(bytes)).toBe(true);
      const back = await callTool(client, 'coder_workspace_read_file', { workspace: WS, path: file });
      expect(Buffer.from((back.json() as { content: string }).content, 'base64').equals(bytes)).toBe(true);
    });

    it('lists directories first, then files, each sorted by name', async () => {
      const dir = path.join(home, 'listing');
      for (const d of ['zdir', 'adir']) mkdirSync(path.join(dir, d), { recursive: true });
      for (const f of ['b.txt', '.hidden', 'a.txt']) writeFileSync(path.join(dir, f), 'x');
      const res = await callTool(client, 'coder_workspace_ls', { workspace: WS, path: dir });
      expect((res.json() as { contents: { path: string }[] }).contents.map((c) => path.basename(c.path))).toEqual([
        'adir',
        'zdir',
        '.hidden',
        'a.txt',
        'b.txt',
      ]);
      mkdirSync(path.join(dir, 'empty'));
      expect(
        (await callTool(client, 'coder_workspace_ls', { workspace: WS, path: path.join(dir, 'empty') })).json(),
      ).toEqual({ contents: [] });
    });

    it('reports missing paths, wrong kinds and bad arguments clearly', async () => {
      const missing = await callTool(client, 'coder_workspace_ls', { workspace: WS, path: path.join(home, 'nope') });
      expect(missing).toMatchObject({ isError: true, text: expect.stringMatching(/no such file or directory/) });
      const relative = await callTool(client, 'coder_workspace_read_file', { workspace: WS, path: 'relative.txt' });
      expect(relative).toMatchObject({ isError: true, text: expect.stringMatching(/path: must be an absolute path/) });
      const nul = await callTool(client, 'coder_workspace_write_file', {
        workspace: WS,
        path: `${home}/safe\0/../x`,
        content: 'eA==',
      });
      expect(nul).toMatchObject({
        isError: true,
        text: expect.stringMatching(/path: must not contain a NUL character/),
      });
      expect(existsSync(path.join(home, 'x'))).toBe(false);
      const dirRead = await callTool(client, 'coder_workspace_read_file', { workspace: WS, path: home });
      expect(dirRead).toMatchObject({ isError: true, text: expect.stringMatching(/is a directory/) });
      const tooMuch = await callTool(client, 'coder_workspace_read_file', {
        workspace: WS,
        path: path.join(home, 'x'),
        limit: 2_000_000,
      });
      expect(tooMuch).toMatchObject({ isError: true, text: 'limit must be 1048576 or less, got 2000000' });
      const notB64 = await callTool(client, 'coder_workspace_write_file', {
        workspace: WS,
        path: path.join(home, 'y'),
        content: 'not base64!',
      });
      expect(notB64).toMatchObject({ isError: true, text: expect.stringMatching(/content: must be base64-encoded/) });
    });

    it('keeps the mode of a file it replaces, so an edited script stays executable', async () => {
      const script = path.join(home, 'tool.sh');
      writeFileSync(script, '#!/bin/sh\necho v1\n');
      chmodSync(script, 0o750);
      const written = await callTool(client, 'coder_workspace_write_file', {
        workspace: WS,
        path: script,
        content: Buffer.from('#!/bin/sh\necho v2\n').toString('base64'),
      });
      expect(written.isError).toBe(false);
      expect(statSync(script).mode & 0o777).toBe(0o750);
      const edited = await callTool(client, 'coder_workspace_edit_file', {
        workspace: WS,
        path: script,
        edits: [{ old_text: 'v2', new_text: 'v3' }],
      });
      expect(edited.isError).toBe(false);
      expect(statSync(script).mode & 0o777).toBe(0o750);
      expect(await bash(script)).toEqual({ output: 'v3', exit_code: 0 });
    });

    it('guesses the MIME type from the extension', async () => {
      writeFileSync(path.join(home, 'data.json'), '{"a":1}');
      const res = await callTool(client, 'coder_workspace_read_file', {
        workspace: WS,
        path: path.join(home, 'data.json'),
      });
      expect(res.json()).toEqual({ content: Buffer.from('{"a":1}').toString('base64'), mimeType: 'application/json' });
    });
  });

  describe('edits', () => {
    it('edits one file and returns the diff', async () => {
      const file = path.join(home, 'edit-me.txt');
      writeFileSync(file, 'one\ntwo\nthree\n');
      const res = await callTool(client, 'coder_workspace_edit_file', {
        workspace: WS,
        path: file,
        edits: [{ old_text: 'two', new_text: '2 $& "q"' }],
      });
      expect(res.isError).toBe(false);
      const body = res.json() as { message: string; files: { path: string; diff: string }[] };
      expect(body.message).toBe('File edited successfully.');
      expect(body.files[0]?.diff).toContain('-two\n+2 $& "q"');
      expect(readFileSync(file, 'utf8')).toBe('one\n2 $& "q"\nthree\n');
    });

    it('writes nothing when any edit of any file fails, and honours replace_all', async () => {
      const a = path.join(home, 'multi-a.txt');
      const b = path.join(home, 'multi-b.txt');
      writeFileSync(a, 'x x x\n');
      writeFileSync(b, 'y\n');
      const failing = await callTool(client, 'coder_workspace_edit_files', {
        workspace: WS,
        files: [
          { path: a, edits: [{ old_text: 'x', new_text: 'z', replace_all: true }] },
          { path: b, edits: [{ old_text: 'absent', new_text: 'w' }] },
        ],
      });
      expect(failing).toMatchObject({ isError: true, text: expect.stringMatching(/old_text not found in file/) });
      expect(readFileSync(a, 'utf8')).toBe('x x x\n');
      const ambiguous = await callTool(client, 'coder_workspace_edit_files', {
        workspace: WS,
        files: [{ path: a, edits: [{ old_text: 'x', new_text: 'z' }] }],
      });
      expect(ambiguous.text).toMatch(/matches 3 occurrences/);
      const ok = await callTool(client, 'coder_workspace_edit_files', {
        workspace: WS,
        files: [
          { path: a, edits: [{ old_text: 'x', new_text: 'z', replace_all: true }] },
          { path: b, edits: [{ old_text: 'y', new_text: 'w' }] },
        ],
      });
      expect(ok.json()).toMatchObject({ message: 'File(s) edited successfully.', files: [{ path: a }, { path: b }] });
      expect(readFileSync(a, 'utf8')).toBe('z z z\n');
      expect(readFileSync(b, 'utf8')).toBe('w\n');
    });
  });

  describe('permission', () => {
    it('refuses a caller without SSH access and opens no channel for them', async () => {
      const dials = stack.sim.pty.dials();
      stack.sim.denySsh(stack.sim.demo.user.username, true);
      try {
        const res = await callTool(client, 'coder_workspace_bash', { workspace: WS, command: 'echo hi' });
        expect(res).toMatchObject({
          isError: true,
          text: 'unauthorized: you do not have SSH access to this workspace',
        });
      } finally {
        stack.sim.denySsh(stack.sim.demo.user.username, false);
      }
      expect(stack.sim.pty.dials()).toBe(dials);
    });
  });
}
