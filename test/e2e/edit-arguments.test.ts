/**
 * The edit tools' arguments as coderd takes them today, through the MCP SDK client against real files in
 * the simulator's workspace: `old_text` / `new_text` / `replace_all` advertised (coderd #28467, #28626),
 * the former `search` / `replace` still accepted, both in one edit only when they agree, and
 * replace_all's rule (one match, or an error saying how many).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { clearResolutions } from '../../lib/tools/agent-access';
import { resetSharedPool } from '../../lib/tunnel/shared';
import { refusal } from '../helpers/refusal';
import { callTool, connectClient, startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let client: Client;
let home: string;
let tools: Tool[];
const WS = 'dev';

beforeAll(async () => {
  resetSharedPool();
  clearResolutions();
  stack = await startStack();
  client = await connectClient(stack, { token: stack.sim.demo.user.token });
  home = stack.sim.pty.workspaceHome(stack.sim.demo.workspaceId);
  ({ tools } = await client.listTools());
});
afterAll(async () => {
  await client.close();
  resetSharedPool();
  await stack.close();
});

let n = 0;
/** A new file in the workspace with this content. */
function file(content: string): string {
  n += 1;
  const p = path.join(home, `edit-args-${n}.txt`);
  writeFileSync(p, content);
  return p;
}

const editFile = (p: string, edits: unknown[]) =>
  callTool(client, 'coder_workspace_edit_file', { workspace: WS, path: p, edits });
const editFiles = (files: { path: string; edits: unknown[] }[]) =>
  callTool(client, 'coder_workspace_edit_files', { workspace: WS, files });

/** The invalid-arguments refusal (coderd #28702): its reason, after checking that it carries the listed schema. */
function refused(res: { isError: boolean; text: string }, tool: string): string {
  const body = refusal(res);
  expect(body.expectedSchema).toEqual(tools.find((t) => t.name === tool)?.inputSchema);
  return body.error;
}

describe('what is advertised', () => {
  const EDIT_ITEM = {
    type: 'object',
    properties: {
      old_text: {
        type: 'string',
        description: expect.stringMatching(/exactly one location in the file unless replace_all is true/),
      },
      new_text: { type: 'string', description: 'The new text that replaces the old text.' },
      replace_all: {
        type: 'boolean',
        description: expect.stringMatching(/^When true, replaces all occurrences of old_text/),
      },
    },
    required: ['old_text', 'new_text'],
  };

  it('old_text, new_text and an optional boolean replace_all per edit, in both tools; not search or replace', () => {
    const one = tools.find((t) => t.name === 'coder_workspace_edit_file')?.inputSchema;
    const many = tools.find((t) => t.name === 'coder_workspace_edit_files')?.inputSchema;
    const edits = { type: 'array', description: expect.any(String), items: EDIT_ITEM };
    expect(one?.properties?.edits).toEqual(edits);
    expect(many?.properties?.files).toEqual({
      type: 'array',
      description: expect.any(String),
      items: {
        type: 'object',
        properties: { path: expect.objectContaining({ type: 'string' }), edits },
        required: ['path', 'edits'],
      },
    });
    for (const schema of [one, many]) expect(JSON.stringify(schema)).not.toMatch(/"search"|"replace"/);
  });
});

describe('both generations of argument names', () => {
  it('old_text / new_text edit a file, and the former search / replace still do (clients with a cached schema)', async () => {
    const a = file('alpha beta\n');
    expect(await editFile(a, [{ old_text: 'alpha', new_text: 'ALPHA' }])).toMatchObject({ isError: false });
    expect(await editFile(a, [{ search: 'beta', replace: 'BETA' }])).toMatchObject({ isError: false });
    expect(readFileSync(a, 'utf8')).toBe('ALPHA BETA\n');

    const b = file('one\n');
    const c = file('two\n');
    const res = await editFiles([
      { path: b, edits: [{ search: 'one', replace: '1' }] },
      { path: c, edits: [{ old_text: 'two', new_text: '2' }] },
    ]);
    expect(res.json()).toMatchObject({
      message: 'File(s) edited successfully.',
      files: [{ path: b, diff: expect.stringContaining('-one\n+1') }, { path: c }],
    });
    expect([readFileSync(b, 'utf8'), readFileSync(c, 'utf8')]).toEqual(['1\n', '2\n']);
  });

  it("one call may use both, edit by edit; one edit may carry both when they agree (coderd's own Go client sends both)", async () => {
    const a = file('red green blue\n');
    const res = await editFile(a, [
      { old_text: 'red', new_text: 'R' },
      { search: 'green', replace: 'G' },
      { old_text: 'blue', new_text: 'B', search: 'blue', replace: 'B' },
    ]);
    expect(res.isError).toBe(false);
    expect(readFileSync(a, 'utf8')).toBe('R G B\n');
  });

  it('one edit whose two generations disagree is refused as invalid arguments, and nothing is written', async () => {
    const a = file('keep me\n');
    const conflicting = await editFile(a, [{ old_text: 'keep', new_text: 'x', search: 'me', replace: 'y' }]);
    expect(refused(conflicting, 'coder_workspace_edit_file')).toBe(
      'invalid arguments: $/edits/0: old_text and search (its former name) disagree; send old_text and new_text only',
    );
    // coderd's decoder would read this as "delete keep" (new_text left empty); we refuse to guess.
    const half = await editFiles([{ path: a, edits: [{ old_text: 'keep', replace: 'kept' }] }]);
    expect(refused(half, 'coder_workspace_edit_files')).toBe(
      'invalid arguments: $/files/0/edits/0: old_text and search (its former name) disagree; send old_text and new_text only',
    );
    expect(readFileSync(a, 'utf8')).toBe('keep me\n');
  });

  it('a missing new_text or a replace_all that is not a boolean is invalid arguments naming where', async () => {
    const a = file('x\n');
    expect(refused(await editFile(a, [{ old_text: 'x' }]), 'coder_workspace_edit_file')).toBe(
      'invalid arguments: $/edits/0/new_text: is required',
    );
    expect(refused(await editFile(a, [{ search: 'x' }]), 'coder_workspace_edit_file')).toBe(
      'invalid arguments: $/edits/0/new_text: is required',
    );
    expect(
      refused(await editFile(a, [{ old_text: 'x', new_text: 'y', replace_all: 'yes' }]), 'coder_workspace_edit_file'),
    ).toBe('invalid arguments: $/edits/0/replace_all: expected boolean, received string');
    expect(readFileSync(a, 'utf8')).toBe('x\n');
  });

  it("an edit is an open object as in coderd's schema (an unknown key in it is ignored); the arguments object is closed", async () => {
    const a = file('open\n');
    expect(await editFile(a, [{ old_text: 'open', new_text: 'opened', regex: false }])).toMatchObject({
      isError: false,
    });
    expect(readFileSync(a, 'utf8')).toBe('opened\n');
    const closed = await callTool(client, 'coder_workspace_edit_file', {
      workspace: WS,
      path: a,
      edits: [{ old_text: 'opened', new_text: 'x' }],
      dry_run: true,
    });
    expect(refused(closed, 'coder_workspace_edit_file')).toBe(
      'invalid arguments: $: unknown property "dry_run" (additionalProperties is false)',
    );
    expect(readFileSync(a, 'utf8')).toBe('opened\n');
  });
});

describe('replace_all', () => {
  it('replaces every occurrence when true, with either generation of names', async () => {
    const a = file('x x x\ny y\n');
    const res = await editFile(a, [
      { old_text: 'x', new_text: 'z', replace_all: true },
      { search: 'y', replace: 'w', replace_all: true },
    ]);
    expect(res.isError).toBe(false);
    expect(readFileSync(a, 'utf8')).toBe('z z z\nw w\n');
  });

  it("without it (or false), more than one match is an error saying how many, in coderd's words, and nothing is written", async () => {
    const a = file('x x x\n');
    for (const edit of [
      { old_text: 'x', new_text: 'z' },
      { old_text: 'x', new_text: 'z', replace_all: false },
    ]) {
      const res = await editFile(a, [edit]);
      expect(res).toMatchObject({
        isError: true,
        text: `edit ${a}: old_text matches 3 occurrences (expected exactly 1). Include more surrounding context to make the match unique, or set replace_all to true`,
      });
    }
    // Edits apply in order: the second one sees the first one's result.
    const many = await editFiles([
      {
        path: a,
        edits: [
          { old_text: 'x x x', new_text: 'a a' },
          { old_text: 'a', new_text: 'b' },
        ],
      },
    ]);
    expect(many.text).toBe(
      `edit ${a} (edit 2 of 2): old_text matches 2 occurrences (expected exactly 1). Include more surrounding context to make the match unique, or set replace_all to true`,
    );
    expect(readFileSync(a, 'utf8')).toBe('x x x\n');
    // One match is fine without it.
    expect(await editFile(a, [{ old_text: 'x x x', new_text: 'one' }])).toMatchObject({ isError: false });
    expect(readFileSync(a, 'utf8')).toBe('one\n');
  });
});
