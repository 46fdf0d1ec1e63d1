import { App, LocalBackend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { Datasets } from '../config';
import { stackIds, type PlatformSettings } from '../naming';

/** One stack per dataset plus the shared exporter stack, so each request has its own state and blast radius. */
export function buildApp(app: App, datasets: Datasets, settings: PlatformSettings): App {
  new PlatformStack(app, stackIds.exporter, settings);
  for (const d of datasets.push) new PlatformStack(app, stackIds.push(d.name), settings);
  for (const d of datasets.pull) new PlatformStack(app, stackIds.pull(d.name), settings);
  return app;
}

/** A stack with the platform's provider and a local state file named after the stack. */
export class PlatformStack extends TerraformStack {
  constructor(scope: Construct, id: string, settings: PlatformSettings) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: settings.region, allowedAccountIds: [settings.account] });
    new LocalBackend(this, { path: `terraform.${id}.tfstate` });
  }
}
