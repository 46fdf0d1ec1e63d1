import type { App } from 'cdktf';
import type { Datasets } from '../config/datasets';
import type { Settings } from '../settings';
import { ExporterStack } from './exporter-stack';
import { PullDatasetStack } from './pull-dataset-stack';
import type { LambdaArtifact } from '../packaging/lambda-bundle';
import { PushDatasetStack } from './push-dataset-stack';

/** One stack per dataset plus the shared exporter stack, so each request has its own state and blast radius. */
export function buildApp(app: App, datasets: Datasets, settings: Settings, artifact: LambdaArtifact): App {
  new ExporterStack(app, settings, artifact);
  for (const d of datasets.push) new PushDatasetStack(app, settings, d, artifact);
  for (const d of datasets.pull) new PullDatasetStack(app, settings, d);
  return app;
}
