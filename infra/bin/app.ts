/**
 * The CDK app: `npx cdk deploy -c coderUrl=https://coder.example.com` (settings in README "Deploy").
 * A refused setting prints one line naming it and how to give it, and exits 1: a stack trace from
 * inside zod and the CDK would bury the one thing a deployer has to change.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseSettings, SETTING_NAMES, SettingsError, settingsErrorLine, type SettingsInput } from '../lib/settings';
import { CoderMcpStack } from '../lib/stack';

const app = new App();
const context: Record<string, unknown> = {};
for (const name of SETTING_NAMES) {
  const value: unknown = app.node.tryGetContext(name);
  if (value !== undefined) context[name] = value;
}
const region = process.env.CDK_DEFAULT_REGION;
try {
  // Checked before any construct exists (the stack checks again, with the same region): a refused setting
  // leaves an empty app, which synthesizes nothing, so the one line is all the deployer sees.
  parseSettings(context, region);
  new CoderMcpStack(app, app.node.tryGetContext('stackName') ?? 'CoderMcp', {
    // Validated just above; the stack parses it again into its typed settings.
    settings: context as SettingsInput,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  process.stderr.write(`${settingsErrorLine(error)}\n`);
  // An exit code rather than ending the process at once: stderr is flushed first.
  process.exitCode = 1;
}
