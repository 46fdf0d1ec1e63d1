import { CloudBackend, LocalBackend, NamedCloudWorkspace, S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { Backend, Settings } from '../settings';
import { tags } from './tags';

/**
 * Every stack: the AWS provider pinned to the platform account and region, default tags on every resource, and its
 * own state (one file, key or workspace per stack, so one broken stack never blocks another's deploy).
 */
export class PlatformStack extends TerraformStack {
  constructor(scope: Construct, id: string, settings: Settings, extraTags: Readonly<Record<string, string>> = {}) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: settings.platform.region,
      allowedAccountIds: [settings.platform.account],
      defaultTags: [{ tags: tags({ ...settings.tags, ...extraTags }) }],
    });
    addBackend(this, id, settings.backend);
  }
}

function addBackend(stack: TerraformStack, id: string, backend: Backend): void {
  switch (backend.kind) {
    case 's3': {
      const s3 = new S3Backend(stack, {
        bucket: backend.bucket,
        key: `${backend.keyPrefix}${id}.tfstate`,
        region: backend.region,
        encrypt: true,
      });
      // Terraform's native S3 lock file (1.10+); cdktf 0.21's S3Backend has no property for it yet.
      s3.addOverride('use_lockfile', true);
      return;
    }
    case 'cloud':
      new CloudBackend(stack, {
        hostname: backend.hostname,
        organization: backend.organization,
        workspaces: new NamedCloudWorkspace(`${backend.workspacePrefix}${id}`),
      });
      return;
    default:
      // Relative to cdktf.out/stacks/<id>/, where terraform runs: the state lives at the project root, and the
      // synthesized JSON does not depend on where the repository is checked out.
      new LocalBackend(stack, { path: `../../../terraform.${id}.tfstate` });
  }
}
