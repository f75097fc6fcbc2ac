/**
 * No secret in any log line: a whole session through the local server with logs at debug, capturing
 * stdout and stderr both (Powertools writes warn and error lines to stderr), with workspace file tools
 * carrying distinctive contents and calls that fail. Neither the caller's token nor any file content
 * may appear in the logs, plainly or base64-encoded; the token may not appear in any answer either.
 */
import { captureOutput } from '../helpers/capture-output';
import { callTool, connectClient, INIT_REQUEST, postMcp, startStack, type Stack } from '../helpers/stack';
import { logLevel, setLogLevel } from '../../lib/log';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const WRITTEN = 'TOP-SECRET-FILE-CONTENT 42: the launch code is 0000\n';
const EDITED_IN = 'CLASSIFIED-REPLACEMENT-TEXT 77';
const NEVER_FOUND = 'SEARCH-FOR-ABSENT-SECRET 99';

/** Every way `text` can show up base64-encoded inside a longer encoded buffer: one core per byte alignment. */
function base64Forms(text: string): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), Buffer.from(text)]).toString('base64');
    // Drop the characters that also encode the neighbouring bytes or the padding.
    return encoded.slice(4, -4);
  });
}

it('writes no token or file content into stdout or stderr during a session of file tools and failing calls', async () => {
  const token = stack.sim.demo.user.token;
  const bogus = 'abcdefghij-ZZZZZZZZZZZZZZZZZZZZZZ';
  const dir = stack.sim.pty.workspaceHome(stack.sim.demo.workspaceId);
  const file = `${dir}/secret.txt`;
  const answers: string[] = [];
  const results: boolean[] = [];
  const previous = logLevel();
  setLogLevel('DEBUG');
  const output = captureOutput();
  try {
    const client = await connectClient(stack, { token });
    for (const [name, args] of [
      [
        'coder_workspace_write_file',
        { workspace: 'dev', path: file, content: Buffer.from(WRITTEN).toString('base64') },
      ],
      ['coder_workspace_read_file', { workspace: 'dev', path: file }],
      [
        'coder_workspace_edit_file',
        { workspace: 'dev', path: file, edits: [{ search: 'launch code', replace: EDITED_IN }] },
      ],
      [
        'coder_workspace_edit_files',
        { workspace: 'dev', files: [{ path: file, edits: [{ search: 'TOP', replace: 'TOP', replace_all: true }] }] },
      ],
      ['coder_workspace_read_file', { workspace: 'dev', path: file }],
      ['coder_workspace_bash', { workspace: 'dev', command: `cat ${file}` }],
      // Failing calls: their errors go through the error paths of the log.
      [
        'coder_workspace_edit_file',
        { workspace: 'dev', path: file, edits: [{ search: NEVER_FOUND, replace: EDITED_IN }] },
      ],
      ['coder_workspace_read_file', { workspace: 'dev', path: `${dir}/no-such-file.txt` }],
      [
        'coder_workspace_write_file',
        { workspace: 'dev', path: `${file}/under-a-file`, content: Buffer.from(WRITTEN).toString('base64') },
      ],
      ['coder_workspace_bash', { workspace: 'dev', command: `cat ${file}; exit 3` }],
      ['coder_workspace_read_file', { workspace: 'no-such-workspace', path: file }],
      ['coder_get_authenticated_user', {}],
      ['coder_get_workspace', { workspace_id: 'no-such' }],
      ['coder_get_workspace_build_logs', { workspace_build_id: 'not-a-uuid' }],
    ] as const) {
      const result = await callTool(client, name, args);
      answers.push(result.text);
      results.push(result.isError);
    }
    await client.close();
    answers.push(
      await (await postMcp(stack, JSON.stringify(INIT_REQUEST), { authorization: `Bearer ${bogus}` })).text(),
    );
  } finally {
    output.restore();
    setLogLevel(previous);
  }

  // The session did what it says: contents went through, and the failing calls failed.
  expect(results).toEqual([false, false, false, false, false, false, true, true, true, false, true, false, true, true]);
  expect(answers[1]).toContain(Buffer.from(WRITTEN).toString('base64'));
  expect(answers[2]).toContain(`+TOP-SECRET-FILE-CONTENT 42: the ${EDITED_IN} is 0000`);
  expect(answers[4]).toContain(Buffer.from(WRITTEN.replace('launch code', EDITED_IN)).toString('base64'));
  expect(answers[5]).toContain(EDITED_IN);
  // Logging was on, on both streams.
  const logs = output.all.join('');
  expect(output.stdout.join('')).toContain('"message":"request"');
  expect(output.stderr.join('')).toMatch(/"level":"WARN","message":"tool call".*"tool":"coder_workspace_edit_file"/);

  const secrets = [
    token,
    bogus,
    token.split('-')[1] ?? token,
    'TOP-SECRET-FILE-CONTENT',
    'launch code is',
    EDITED_IN,
    NEVER_FOUND,
  ];
  for (const secret of secrets) {
    expect(logs).not.toContain(secret);
    for (const encoded of base64Forms(secret)) expect(logs).not.toContain(encoded);
  }
  for (const answer of answers) {
    // Tool answers may echo the session token only if a tool returned it, which none does.
    expect(answer).not.toContain(token);
    expect(answer).not.toContain(bogus);
  }
});
