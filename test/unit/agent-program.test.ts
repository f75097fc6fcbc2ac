/**
 * The agent's shell program as TypeScript carries it: the stub's placeholders are all filled with our
 * own values, the constants come from agent.sh, the text that travels has no comments, and the `.sh`
 * files load as text under tsx too (as they do in the bundle and here under jest).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  AGENT_SOURCE,
  dialCommand,
  LOOP_SCRIPT,
  loopDigest,
  loopPayload,
  MARK,
  SH_DECODE_MAX,
  shConstant,
} from '../../lib/tunnel/protocol';

const ROOT = path.join(__dirname, '..', '..');

it('fills every placeholder of the dial stub with values of our own', () => {
  const stub = dialCommand('0123456789abcdef');
  expect(stub).not.toMatch(/@[A-Z_]+@/);
  expect(stub).toMatch(/^N=0123456789abcdef; H=[0-9a-f]{64}\n/);
  expect(stub).toContain(`H=${loopDigest()}`);
  expect(stub).toContain(`head -c ${loopPayload().length} |`);
  expect(stub).toContain(`'\\n${MARK}_LOAD %s\\n'`);
  expect(() => dialCommand('$(id)')).toThrow(/hex/);
});

it('reads the shared constants from agent.sh, and sends both programs without their comments', () => {
  expect(MARK).toBe('__CMCP');
  expect(AGENT_SOURCE).toMatch(new RegExp(`^DECODE_MAX=${SH_DECODE_MAX}$`, 'm'));
  expect(() => shConstant('NO_SUCH_NAME')).toThrow(/defines no NO_SUCH_NAME/);
  for (const text of [LOOP_SCRIPT, dialCommand('ab')]) {
    expect(text.split('\n').filter((line) => /^\s*(#.*)?$/.test(line))).toEqual([]);
  }
  expect(LOOP_SCRIPT.length).toBeLessThan(AGENT_SOURCE.length);
});

it('loads the .sh files as text under tsx, as npm start and the benchmarks run', async () => {
  const tsx = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const script = "import { MARK, LOOP_SCRIPT } from './lib/tunnel/protocol'; console.log(MARK, LOOP_SCRIPT.length)";
  const { stdout } = await promisify(execFile)(process.execPath, [tsx, '-e', script], { cwd: ROOT });
  expect(stdout.trim()).toBe(`${MARK} ${LOOP_SCRIPT.length}`);
});
