import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Where the machine image keeps hashicorp/aws 5.100.0 (an unpacked filesystem mirror); nothing is downloaded. */
export const PROVIDER_MIRROR = process.env.TF_PROVIDER_MIRROR ?? '/opt/tf-plugins';

/**
 * A terraform CLI configuration that installs providers from `mirror` only, written once per mirror (its name is the
 * mirror's hash) in the temporary folder. Returns its path.
 */
export function mirrorCliConfig(mirror: string = PROVIDER_MIRROR): string {
  const file = path.join(
    os.tmpdir(),
    `hub-exports-terraform-${createHash('sha256').update(mirror).digest('hex').slice(0, 12)}.rc`,
  );
  const text = `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`;
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
    // Written under a private name and renamed, so runs side by side never read half a file.
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  }
  return file;
}

/**
 * The terraform CLI configuration to run with, from the caller's environment: theirs when it exists; else, when the
 * machine has the provider mirror, one that uses it (these machines cannot download providers); else none. A
 * TF_CLI_CONFIG_FILE naming a missing file (as this machine image sets) makes every terraform command, and so every
 * cdktf command, print "[ERROR] … Unable to open CLI configuration file": that is never passed on.
 */
export function cliConfigFor(env: NodeJS.ProcessEnv): string | undefined {
  const given = env.TF_CLI_CONFIG_FILE;
  if (given && fs.existsSync(given)) return given;
  const mirror = env.TF_PROVIDER_MIRROR ?? PROVIDER_MIRROR;
  return fs.existsSync(path.join(mirror, 'registry.terraform.io')) ? mirrorCliConfig(mirror) : undefined;
}
