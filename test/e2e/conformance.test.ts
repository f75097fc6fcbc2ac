/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, run on the Node 22 that the
 * `node` package in test/conformance brings) against the local server, for every server scenario
 * that applies to coderd's toolset. The others exercise the reference server's own test tools,
 * resources and prompts, which Coder does not have.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack, type Stack } from '../helpers/stack';

const run = promisify(execFile);
const DIR = path.join(__dirname, '..', 'conformance', 'node_modules');
const NODE22 = path.join(DIR, '.bin', 'node');
const CLI = path.join(DIR, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'];

let stack: Stack;

beforeAll(async () => {
  if (!existsSync(NODE22) || !existsSync(CLI)) {
    throw new Error(
      'the conformance suite is not installed: run `npm ci --prefix test/conformance` (npm install does it for you)',
    );
  }
  // The suite sends no credentials: serve it in service-token mode with the simulator's demo user.
  stack = await startStack({ allowOwnOrigin: true, serviceToken: true });
});
afterAll(() => stack?.close());

it.each(SCENARIOS)(
  'conformance scenario %s passes',
  async (scenario) => {
    const { stdout } = await run(NODE22, [CLI, 'server', '--url', stack.mcpUrl, '--scenario', scenario], {
      timeout: 60_000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`scenario ${scenario} failed:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the suite's ANSI colour codes
    const summary = stdout.replace(/\x1b\[[0-9;]*m/g, '').match(/Passed: (\d+)\/(\d+), (\d+) failed/);
    expect(summary).not.toBeNull();
    expect(Number(summary?.[3])).toBe(0);
    expect(Number(summary?.[1])).toBeGreaterThan(0);
  },
  90_000,
);
