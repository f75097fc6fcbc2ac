/**
 * The CDK app: `npx cdk deploy -c coderUrl=https://coder.example.com` (settings in README "Deploy").
 * A refused setting prints one line naming it and how to give it, and exits 1: a stack trace from
 * inside zod and the CDK would bury the one thing a deployer has to change.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SETTING_NAMES, SettingsError, settingsErrorLine, type SettingsInput } from '../lib/settings';
import { CoderMcpStack } from '../lib/stack';

const app = new App();
const context: Record<string, unknown> = {};
for (const name of SETTING_NAMES) {
  const value: unknown = app.node.tryGetContext(name);
  if (value !== undefined) context[name] = value;
}
try {
  new CoderMcpStack(app, app.node.tryGetContext('stackName') ?? 'CoderMcp', {
    // The stack validates (with its region); the type is checked there, at run time, not here.
    settings: context as SettingsInput,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  process.stderr.write(`${settingsErrorLine(error)}\n`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
