import { DEFAULT_RATES, type FaultRates } from './fault-proxy';
import { DEFAULT_DELIVERY, formatReport, runSoak } from './soak';
import { silenceSdkNodeWarning } from '../sdk-node-warning';

const USAGE = `usage: npm run soak -- [--objects N] [--seed N[,N…]] [--rate kind=p …]
  --objects N     objects in the workload (default 2000)
  --seed N,N      one run per seed (default: one random seed, printed)
  --rate k=p      a fault rate: slowDown, internalError, reset, lostAnswer, latency (S3, through the proxy);
                  duplicate, concurrentDuplicate, late, crash, formEncodedKey (delivery); p from 0 to 1
Prints the figures of each run and a one-line verdict; exits 1 when any run fails.`;

function parse(argv: string[]) {
  const faults: Partial<FaultRates> = { ...DEFAULT_RATES };
  const delivery: Record<string, number> = { ...DEFAULT_DELIVERY };
  let objects = 2000;
  let seeds = [Math.floor(Math.random() * 2 ** 31)];
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    i++;
    if (flag === '--objects' && /^\d+$/.test(value) && Number(value) > 0) objects = Number(value);
    else if (flag === '--seed' && /^\d+(,\d+)*$/.test(value)) seeds = value.split(',').map(Number);
    else if (flag === '--rate' && /^\w+=(0(\.\d+)?|1(\.0+)?)$/.test(value)) {
      const [kind, p] = value.split('=');
      if (kind in DEFAULT_RATES) (faults as Record<string, number>)[kind] = Number(p);
      else if (kind in DEFAULT_DELIVERY) delivery[kind] = Number(p);
      else throw new Error(`unknown rate "${kind}"\n${USAGE}`);
    } else throw new Error(`bad option ${flag} ${value}\n${USAGE}`);
  }
  return { objects, seeds, faults, delivery };
}

async function main(): Promise<number> {
  let options;
  try {
    options = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  let failed = 0;
  for (const seed of options.seeds) {
    const report = await runSoak({ ...options, seed, say: (l) => process.stderr.write(`${l}\n`) });
    process.stdout.write(`${formatReport(report)}\n`);
    if (!report.pass) failed++;
  }
  return failed > 0 ? 1 : 0;
}

silenceSdkNodeWarning();
main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`soak: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
