/** Offline synth of the stack with cdk-nag, and readers for what the template exposes (routes). */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseSettings, type SettingsInput } from '../../infra/lib/settings';
import { CoderMcpStack } from '../../infra/lib/stack';

export const ENV = { account: '123456789012', region: 'eu-west-1' };

export function synth(input: SettingsInput, id = 'CoderMcp') {
  const outdir = mkdtempSync(path.join(tmpdir(), 'cdk-'));
  const app = new App({ outdir });
  const stack = new CoderMcpStack(app, id, { settings: parseSettings(input), env: ENV });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
  const raw = readFileSync(path.join(assembly.directory, `${id}.template.json`), 'utf8');
  return { stack, template: Template.fromStack(stack), report, raw, directory: assembly.directory, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

interface CfnRef {
  Ref?: string;
}
/** A template resource, typed as loosely as Template.findResources types it. */
type CfnResource = { Properties: Record<string, any> };

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
