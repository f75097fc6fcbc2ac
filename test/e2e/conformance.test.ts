/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, run on the Node 22 that the
 * `node` package in test/conformance brings) against the local server, at both protocol eras the one
 * endpoint serves: 2025-11-25 (initialize handshake, session-less) and 2026-07-28 (stateless, per-request
 * `_meta`, server/discover, standard headers). Every server scenario the suite has at an era is either run
 * or left out below with its reason: those left out exercise the reference server's own test tools,
 * resources, completions, sampling or elicitation, which Coder does not have. Scenarios that apply but
 * carry a few such checks run with test/conformance/baseline-2026-07-28.yml, which excuses exactly those.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startStack, type Stack } from '../helpers/stack';

const CONFORMANCE = path.join(__dirname, '..', 'conformance');
const DIR = path.join(CONFORMANCE, 'node_modules');
const NODE22 = path.join(DIR, '.bin', 'node');
const CLI = path.join(DIR, '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

const ERAS = ['2025-11-25', '2026-07-28'] as const;
type Era = (typeof ERAS)[number];

/** Per-check expected failures, given to the CLI with --expected-failures for the era's runs. */
const BASELINE: Partial<Record<Era, string>> = {
  '2026-07-28': path.join(CONFORMANCE, 'baseline-2026-07-28.yml'),
};

/** The server scenarios run at each era. */
const RUN: Record<Era, readonly string[]> = {
  '2025-11-25': [
    'server-initialize',
    'ping',
    'tools-list',
    'logging-set-level',
    'dns-rebinding-protection',
    'prompts-list',
  ],
  '2026-07-28': [
    'server-stateless',
    'tools-list',
    'prompts-list',
    'dns-rebinding-protection',
    'caching',
    'http-header-validation',
    'server-sse-multiple-streams',
    'input-required-result-unsupported-methods',
  ],
};

const testTool = (name: string) => `calls the reference server's test tool ${name}`;
const testPrompt = (name: string) => `gets the reference server's test prompt ${name}`;
const NO_RESOURCES = 'needs resources; Coder serves tools and prompts, no resources capability';
const NO_COMPLETIONS = 'needs completion/complete; Coder serves no completions capability';

/** Left out at both eras: what needs the reference server's own test tools, prompts, resources or completions. */
const LEFT_OUT_BOTH: Record<string, string> = {
  'completion-complete': NO_COMPLETIONS,
  'tools-call-simple-text': testTool('test_simple_text'),
  'tools-call-image': testTool('test_image_content'),
  'tools-call-audio': testTool('test_audio_content'),
  'tools-call-embedded-resource': testTool('test_embedded_resource'),
  'tools-call-mixed-content': testTool('test_multiple_content_types'),
  'tools-call-error': testTool('test_error_handling'),
  'tools-call-with-progress': testTool('test_tool_with_progress'),
  'json-schema-2020-12': testTool('json_schema_2020_12_tool'),
  'resources-list': NO_RESOURCES,
  'resources-read-text': NO_RESOURCES,
  'resources-read-binary': NO_RESOURCES,
  'resources-templates-read': NO_RESOURCES,
  'prompts-get-simple': testPrompt('test_simple_prompt'),
  'prompts-get-with-args': testPrompt('test_prompt_with_arguments'),
  'prompts-get-embedded-resource': testPrompt('test_prompt_with_embedded_resource'),
  'prompts-get-with-image': testPrompt('test_prompt_with_image'),
};

/** The suite's other server scenarios at each era, and why each is left out. */
const LEFT_OUT: Record<Era, Record<string, string>> = {
  '2025-11-25': {
    ...LEFT_OUT_BOTH,
    'server-session-lifecycle': 'the server is session-less (no Mcp-Session-Id): the scenario runs no checks',
    'server-sse-polling': 'needs a session id to resume SSE streams; the server is session-less',
    'server-sse-multiple-streams': 'at 2025 it needs a session id; the server is session-less (run at 2026-07-28)',
    'tools-call-with-logging': testTool('test_tool_with_logging'),
    'tools-call-sampling': `${testTool('test_sampling')}, which needs sampling`,
    'tools-call-elicitation': `${testTool('test_elicitation')}, which needs elicitation`,
    'elicitation-sep1034-defaults': `${testTool('test_elicitation_sep1034_defaults')}, which needs elicitation`,
    'elicitation-sep1330-enums': `${testTool('test_elicitation_sep1330_enums')}, which needs elicitation`,
    'resources-subscribe': NO_RESOURCES,
    'resources-unsubscribe': NO_RESOURCES,
  },
  '2026-07-28': {
    ...LEFT_OUT_BOTH,
    'sep-2164-resource-not-found': `${NO_RESOURCES}: resources/read is method not found`,
    'http-custom-header-server-validation':
      'needs a tool with an x-mcp-header parameter; no Coder tool declares one, so every check is untestable',
    'input-required-result-basic-elicitation': `${testTool('test_input_required_result_elicitation')} (elicitation)`,
    'input-required-result-basic-sampling': `${testTool('test_input_required_result_sampling')} (sampling)`,
    'input-required-result-basic-list-roots': `${testTool('test_input_required_result_list_roots')} (roots)`,
    'input-required-result-request-state': testTool('test_input_required_result_request_state'),
    'input-required-result-multiple-input-requests': testTool('test_input_required_result_multiple_inputs'),
    'input-required-result-multi-round': testTool('test_input_required_result_multi_round'),
    'input-required-result-missing-input-response': testTool('test_input_required_result_elicitation'),
    'input-required-result-non-tool-request': testPrompt('test_input_required_result_prompt'),
    'input-required-result-result-type': testTool('test_input_required_result_elicitation'),
    'input-required-result-tampered-state': testTool('test_input_required_result_tampered_state'),
    'input-required-result-capability-check': testTool('test_input_required_result_capabilities'),
    'input-required-result-ignore-extra-params': testTool('test_input_required_result_elicitation'),
    'input-required-result-validate-input': testTool('test_input_required_result_elicitation'),
  },
};

interface Check {
  id: string;
  /** SUCCESS, FAILURE, WARNING, INFO, or the status of a check whose precondition is absent (it did not run). */
  status: string;
  errorMessage?: string;
}

/**
 * The baseline's entries as scenario -> check ids. Only per-check entries (`<scenario>:<check-id>`): a whole
 * scenario excused would stop enforcing every other check in it.
 */
function readBaseline(file: string): Map<string, Set<string>> {
  const entries = new Map<string, Set<string>>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!/^\s+-/.test(line)) continue;
    const [, scenario, id] = line.match(/^\s+-\s+([\w/-]+):([\w-]+)\s*(#.*)?$/) ?? [];
    if (!scenario || !id) throw new Error(`${file}: not a '<scenario>:<check-id>' entry: ${line}`);
    entries.set(scenario, (entries.get(scenario) ?? new Set<string>()).add(id));
  }
  return entries;
}

/** Runs the CLI on Node 22; resolves with its exit code and output whatever the code. */
function conformance(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      NODE22,
      [CLI, ...args],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (typeof code !== 'number') return reject(err);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the suite's ANSI colour codes
        resolve({ code, out: `${stdout}\n${stderr}`.replace(/\x1b\[[0-9;]*m/g, '') });
      },
    );
  });
}

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

it.each(ERAS)('every server scenario the suite has at %s is run or left out with a reason', async (era) => {
  const { code, out } = await conformance(['list', '--server', '--spec-version', era]);
  expect(code).toBe(0);
  const listed = [...out.matchAll(/^ {2}- (\S+) \[/gm)].map((m) => m[1]).sort();
  expect(listed.length).toBeGreaterThan(0);
  const run = RUN[era];
  const leftOut = Object.keys(LEFT_OUT[era]);
  expect(run.filter((s) => leftOut.includes(s))).toEqual([]);
  expect([...run, ...leftOut].sort()).toEqual(listed);
});

it('the 2026-07-28 baseline names only scenarios that run at 2026-07-28', () => {
  const baseline = readBaseline(BASELINE['2026-07-28'] as string);
  expect(baseline.size).toBeGreaterThan(0);
  for (const scenario of baseline.keys()) expect(RUN['2026-07-28']).toContain(scenario);
});

it.each(ERAS.flatMap((era) => RUN[era].map((scenario) => [era, scenario] as const)))(
  'at %s, conformance scenario %s passes',
  async (era, scenario) => {
    const baselineFile = BASELINE[era];
    const excused = (baselineFile && readBaseline(baselineFile).get(scenario)) || new Set<string>();
    const outDir = mkdtempSync(path.join(os.tmpdir(), 'mcp-conformance-'));
    try {
      const args = ['server', '--url', stack.mcpUrl, '--scenario', scenario, '--spec-version', era, '-o', outDir];
      if (baselineFile) args.push('--expected-failures', baselineFile);
      const { code, out } = await conformance(args);
      // The CLI writes checks.json only once the scenario ran (not when the suite finds it inapplicable at the era).
      const results = readdirSync(outDir).map((dir) => path.join(outDir, dir, 'checks.json'));
      const [file] = results.filter((f) => existsSync(f));
      if (!file) throw new Error(`scenario ${scenario} at ${era} ran no checks (exit ${code}):\n${out}`);
      const checks = JSON.parse(readFileSync(file, 'utf8')) as Check[];

      // Failing checks (a WARNING is a SHOULD not met; the suite's baseline mode fails on it too) not in the baseline.
      const unexcused = checks
        .filter((c) => (c.status === 'FAILURE' || c.status === 'WARNING') && !excused.has(c.id))
        .map((c) => `${c.id} ${c.status}: ${c.errorMessage ?? ''}`);
      if (unexcused.length > 0 || code !== 0) {
        // The failing checks say it all; without any, the CLI's own verdict (e.g. a stale baseline entry) is in its output.
        const detail = unexcused.length > 0 ? [...new Set(unexcused)].join('\n') : out;
        throw new Error(`scenario ${scenario} at ${era} failed (exit ${code}):\n${detail}`);
      }
      // The summary line the CLI prints, and checks that ran and passed (a scenario that exercises nothing is no pass).
      const summary = out.match(/Passed: (\d+)\/(\d+), (\d+) failed/);
      expect(summary).not.toBeNull();
      expect(Number(summary?.[1])).toBeGreaterThan(0);
      expect(checks.filter((c) => c.status === 'SUCCESS').length).toBeGreaterThan(0);
      // A baselined check id must be one the scenario emits (the suite tolerates an absent one, e.g. a typo).
      const emitted = new Set(checks.map((c) => c.id));
      expect([...excused].filter((id) => !emitted.has(id))).toEqual([]);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  },
  150_000,
);
