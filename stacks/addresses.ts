import type { TerraformResource } from 'cdktf';

/**
 * Keeps a resource's Terraform address at its construct id: the address it had when push stacks created their
 * resources at stack level. Grouping deployed resources into a construct would otherwise rename them
 * (`exporter` → `exporter-function_exporter_1A2B3C4D`), and Terraform replaces what it renames. Wrap the resource as
 * it is created, before anything refers to it (cdktf fixes the address at the first reference); ids must then be
 * unique across the stack, as they were.
 */
export function keepAddress<R extends TerraformResource>(resource: R): R {
  resource.overrideLogicalId(resource.node.id);
  return resource;
}
