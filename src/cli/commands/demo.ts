/**
 * `shopfloor demo` (what `npm start` runs): simulate a milling-machine fleet, train a failure model,
 * evaluate it on held-out rows, write the HTML report, and say where it is. Needs no download.
 */
import path from 'node:path';
import { writeCsv } from '../../io/write.js';
import { simulateMilling } from '../../sim/index.js';
import { num, str } from '../args.js';
import type { CommandSpec } from '../command.js';
import { runTrain } from './train.js';

export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Simulate a machine fleet, train and evaluate a failure model, write the report (what npm start runs).',
  help: 'Example: shopfloor demo --out shopfloor-demo',
  seeded: true,
  options: [
    { name: 'out', type: 'string', default: 'shopfloor-demo', description: 'Directory for the simulated data and the model.' },
    { name: 'rows', type: 'integer', default: 10000, min: 500, max: 10_000_000, description: 'Rows of simulated milling data.' },
    { name: 'model', type: 'string', default: 'auto', choices: ['auto', 'gbdt', 'mlp', 'cnn1d', 'lstm', 'gru', 'logreg'], description: 'Model to train.' },
    { name: 'candidates', type: 'string', default: 'gbdt,logreg', description: 'Models compared by --model auto.' },
  ],
  async run(opts, ctx) {
    const out = path.resolve(str(opts, 'out') ?? 'shopfloor-demo');
    const rows = num(opts, 'rows') ?? 10000;
    const { table, counts } = simulateMilling({ rows, seed: ctx.seed });
    const dataFile = path.join(out, 'milling.csv');
    writeCsv(dataFile, table);
    ctx.info(`simulated ${rows} rows of milling-machine data (seed ${ctx.seed}): ${counts.machineFailure} failures — TWF ${counts.TWF}, HDF ${counts.HDF}, PWF ${counts.PWF}, OSF ${counts.OSF}, RNF ${counts.RNF}`);
    ctx.info(`wrote ${dataFile}`);
    await runTrain(
      {
        ...opts,
        data: dataFile,
        target: 'Machine failure',
        model: str(opts, 'model') ?? 'auto',
        candidates: str(opts, 'candidates') ?? 'gbdt,logreg',
        split: 'stratified',
        'test-fraction': 0.2,
        'cv-folds': 5,
        crosses: 'auto',
        backend: 'auto',
        out: path.join(out, 'model'),
        delimiter: 'auto',
        'date-order': 'auto',
        decimal: 'auto',
      },
      ctx,
    );
    ctx.info(`\nOpen the report: file://${path.join(out, 'model', 'report.html')}`);
  },
};
