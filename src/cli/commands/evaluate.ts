/** `shopfloor evaluate`: score a labelled CSV with a saved model and report the metrics. */
import { DataError } from '../../core/errors.js';
import { readCsv } from '../../io/csv/index.js';
import { classificationReport } from '../../evaluation/metrics.js';
import { checkSchema, loadModelDir, schemaOverrides, scoreTable } from '../../tasks/maintenance/artifact.js';
import { prepareTarget } from '../../tasks/maintenance/failure.js';
import { assertOptionsFor, str } from '../args.js';
import type { CommandSpec, OptionSpec } from '../command.js';
import { RUL_EVALUATE_OPTIONS, runEvaluateRul } from '../../tasks/rul/cli.js';
import { isRulModelDir } from '../../tasks/rul/rul.js';
import { VIBRATION_EVALUATE_OPTIONS, runEvaluateVibration } from '../../tasks/vibration/cli.js';
import { isVibrationModelDir } from '../../tasks/vibration/vibration.js';
import { CSV_OPTIONS, csvOptionsFrom } from '../data-options.js';

const FAILURE_EVALUATE_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', type: 'string', required: true, description: 'Model directory written by shopfloor train.' },
  { name: 'data', type: 'string', required: true, description: 'Labelled data to evaluate on.' },
  ...CSV_OPTIONS,
];

export const evaluateCommand: CommandSpec = {
  name: 'evaluate',
  summary: 'Evaluate a saved model on held-out labelled data (failure: a labelled CSV; rul: test series + true RUL).',
  help: `Examples:
  shopfloor evaluate --model m --data new-labelled.csv --json
  shopfloor evaluate --model rul --data test_FD001.txt --format cmapss --rul RUL_FD001.txt --json
  shopfloor evaluate --model bearing --data ../shared/data/cwru --json`,
  options: [
    ...FAILURE_EVALUATE_OPTIONS,
    ...[...RUL_EVALUATE_OPTIONS, ...VIBRATION_EVALUATE_OPTIONS].filter((o, i, all) => !FAILURE_EVALUATE_OPTIONS.some((f) => f.name === o.name) && all.findIndex((x) => x.name === o.name) === i),
  ],
  async run(opts, ctx) {
    const dir = str(opts, 'model') as string;
    if (isVibrationModelDir(dir)) {
      assertOptionsFor(opts, VIBRATION_EVALUATE_OPTIONS, 'a vibration model');
      await runEvaluateVibration(opts, ctx);
      return;
    }
    if (isRulModelDir(dir)) {
      assertOptionsFor(opts, RUL_EVALUATE_OPTIONS, 'a RUL model');
      await runEvaluateRul(opts, ctx);
      return;
    }
    assertOptionsFor(opts, FAILURE_EVALUATE_OPTIONS, 'a failure-prediction model');
    const file = str(opts, 'data') as string;
    const model = await loadModelDir(dir);
    const m = model.manifest;
    const csv = csvOptionsFrom(opts, ctx);
    const table = await readCsv(file, { ...csv, schema: { ...schemaOverrides(m), ...csv.schema }, strictSchema: false });
    for (const w of checkSchema(m, table, file)) ctx.warn(w);
    const missingTarget = m.target.sources.filter((s) => !table.has(s));
    if (missingTarget.length) {
      throw new DataError('SF_DATA_COLUMN', `evaluate needs the target column(s) ${missingTarget.map((s) => `'${s}'`).join(', ')} in ${file}; to score unlabelled rows use 'shopfloor predict'.`, { missing: missingTarget });
    }
    const { y, info } = prepareTarget(table, m.target.sources.length === 1 ? (m.target.sources[0] as string) : m.target.sources, file);
    // Map this file's class labels onto the model's classes.
    const idx = new Map(m.target.classes.map((c, i) => [c, i]));
    const unknown = info.classes.filter((c) => !idx.has(c));
    if (unknown.length) {
      throw new DataError('SF_DATA_TARGET', `${file}: target classes ${unknown.join(', ')} were not seen in training (model classes: ${m.target.classes.join(', ')}).`, { unknown });
    }
    const yModel = y.map((v) => idx.get(info.classes[v] as string) as number);
    const { prob, labels } = await scoreTable(model, table);
    const rep = classificationReport(yModel, labels, prob, m.target.classes, m.threshold ?? undefined);
    const binary = m.target.classes.length === 2;
    const pos = binary ? rep.perClass[1] : undefined;
    const result = {
      model: dir,
      data: file,
      rows: table.nRows,
      ...(pos ? { failureF1: pos.f1, failurePrecision: pos.precision, failureRecall: pos.recall } : {}),
      accuracy: rep.accuracy,
      balancedAccuracy: rep.balancedAccuracy,
      macroF1: rep.macroF1,
      rocAuc: rep.rocAuc ?? rep.rocAucOvr ?? null,
      prAuc: rep.prAuc ?? null,
      threshold: m.threshold,
      perClass: rep.perClass,
      confusion: { labels: m.target.classes, counts: rep.confusion.counts },
    };
    const f = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3));
    ctx.result(
      result,
      [
        `${file}: ${table.nRows} rows scored with ${m.kind} (${dir})`,
        binary
          ? `failure F1 ${f(pos?.f1)}, precision ${f(pos?.precision)}, recall ${f(pos?.recall)}, ROC-AUC ${f(rep.rocAuc)}, PR-AUC ${f(rep.prAuc)} (threshold ${f(m.threshold)})`
          : `macro-F1 ${f(rep.macroF1)}, balanced accuracy ${f(rep.balancedAccuracy)}`,
        `confusion (rows true, columns predicted; ${m.target.classes.join(', ')}): ${JSON.stringify(rep.confusion.counts)}`,
      ].join('\n'),
    );
  },
};
