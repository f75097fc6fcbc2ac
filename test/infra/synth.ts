/**
 * Offline synth of the stack with cdk-nag and with cdk.json's context (the pinned feature flags, as
 * `cdk synth` applies them), cfn-lint on a synthesized template, and readers for what the template
 * exposes (routes).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { SettingsInput } from '../../infra/lib/settings';
import { CoderMcpStack } from '../../infra/lib/stack';

export const ENV = { account: '123456789012', region: 'eu-west-1' };
export const ROOT = path.join(__dirname, '..', '..');

/** cdk.json's context: `cdk synth` gives it to the app, so the tests synthesize with the same feature flags. */
export function cdkJsonContext(): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}

/** `before` runs on the built stack before synthesis (a test adding what a later change might add). */
export function synth(input: SettingsInput, id = 'CoderMcp', before?: (stack: CoderMcpStack) => void) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-'));
  const app = new App({ outdir, context: cdkJsonContext() });
  const stack = new CoderMcpStack(app, id, { settings: input, env: ENV });
  before?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: unknown[];
  };
  const raw = readFileSync(path.join(assembly.directory, `${id}.template.json`), 'utf8');
  const templateFile = path.join(assembly.directory, `${id}.template.json`);
  return {
    stack,
    template: Template.fromStack(stack),
    report,
    raw,
    templateFile,
    directory: assembly.directory,
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

export interface CfnLintFinding {
  Rule: { Id: string };
  Message: string;
  Location: { Path: (string | number)[] };
}

/** cfn-lint's version line; throws, saying how to install it, when it is not on PATH. */
export async function cfnLintVersion(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('cfn-lint', ['--version'], { timeout: 30_000 });
    return stdout.trim();
  } catch (error) {
    throw new Error(
      `cfn-lint is needed to check the templates and did not run (${String(error)}); install it with \`pip install cfn-lint\` (version 1.51 here and on CI)`,
    );
  }
}

/** Every cfn-lint finding on a template file (JSON output; exit codes 2/4/8 mean findings, not failure). */
export async function cfnLint(templateFile: string): Promise<CfnLintFinding[]> {
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    execFile(
      'cfn-lint',
      ['--format', 'json', '--', templateFile],
      { timeout: 120_000, maxBuffer: 16 << 20 },
      (error, out, err) => {
        // cfn-lint exits non-zero when it finds anything; only a missing binary, a timeout or a crash (exit 1) is a failure.
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
        if (code === 0 || (code > 1 && out.trim().startsWith('['))) resolve({ stdout: out });
        else
          reject(
            new Error(`cfn-lint failed on ${templateFile} (exit ${String(error?.code)}): ${err || String(error)}`),
          );
      },
    );
  });
  return JSON.parse(stdout.trim() || '[]') as CfnLintFinding[];
}

interface CfnRef {
  Ref?: string;
}
/** A template resource, typed as loosely as Template.findResources types it. */
type CfnResource = { Properties: Record<string, unknown> };

/** Each method the REST API exposes as `METHOD /path` (resource paths rebuilt from the parent chain), with its resource. */
export function apiMethods(template: Template): Map<string, CfnResource> {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const pathOf = (ref: CfnRef): string => {
    // A ParentId or ResourceId that is not a Ref is the API's root (Fn::GetAtt RootResourceId).
    const r = ref.Ref === undefined ? undefined : resources[ref.Ref];
    if (!r) return '';
    return `${pathOf(r.Properties.ParentId as CfnRef)}/${String(r.Properties.PathPart)}`;
  };
  const methods = new Map<string, CfnResource>();
  for (const m of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
    const key = `${String(m.Properties.HttpMethod)} ${pathOf(m.Properties.ResourceId as CfnRef) || '/'}`;
    if (methods.has(key)) throw new Error(`two methods for ${key}`);
    methods.set(key, m as CfnResource);
  }
  return methods;
}
