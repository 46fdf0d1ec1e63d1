import { TerraformOutput, type TerraformStack } from 'cdktf';

/**
 * A paused dataset's stack says so in every plan, in words: the output `paused` holds the reason from its file, so
 * `terraform plan` (and the pull request's plan comment) shows `+ paused = "…"` when a pause is proposed and
 * `- paused` when it is lifted. What a pause changes is in the stack's own constructs (see config/datasets.ts).
 */
export function notePause(stack: TerraformStack, reason: string | undefined): void {
  if (reason === undefined) return;
  new TerraformOutput(stack, 'paused', {
    value: reason,
    description: "Why this dataset is paused: its file's `paused` field. Remove the field to resume it.",
  });
}
