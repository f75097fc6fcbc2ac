/** The CDK app: `npx cdk deploy -c coderUrl=https://coder.example.com` (settings in README "Deploy"). */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseSettings, SETTING_NAMES } from '../lib/settings';
import { CoderMcpStack } from '../lib/stack';

const app = new App();
const context: Record<string, unknown> = {};
for (const name of SETTING_NAMES) {
  const value: unknown = app.node.tryGetContext(name);
  if (value !== undefined) context[name] = value;
}
new CoderMcpStack(app, app.node.tryGetContext('stackName') ?? 'CoderMcp', {
  settings: parseSettings(context),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
