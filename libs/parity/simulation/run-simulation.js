// Prints the parity statistics' simulation table (docs/adr/0007-parity-statistics.md) as markdown.
// Runs the built library, so build first:  npm run build && node libs/parity/simulation/run-simulation.js
// Optional: --prompt-types=N (default 2000) --seed=N. Deterministic for a given seed.
'use strict';
const path = require('node:path');

const built = path.join(__dirname, '../../../dist/libs/parity/src/simulation.js');
let simulation;
try {
  simulation = require(built);
} catch (error) {
  console.error(`Cannot load ${built}: run \`npm run build\` first.\n${error.message}`);
  process.exit(1);
}

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, Number(value)];
  }),
);
const overrides = {};
if (args['prompt-types']) overrides.promptTypes = args['prompt-types'];
if (args.seed) overrides.seed = args.seed;

const started = Date.now();
const report = simulation.simulate(overrides);
const o = report.options;
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const times = (r) => (r.median === null ? '—' : `${r.median} / ${r.p90}`);
const mix = (m) => `${Math.round(100 * m.win)}/${Math.round(100 * m.tie)}/${Math.round(100 * m.loss)}`;

console.log(
  `δ=${o.margin}, α=${o.alpha}, at least ${o.minComparisons} comparisons, ${o.promptTypes} prompt types per row, ` +
    `qualification gives up after ${o.maxComparisons} comparisons, seed ${o.seed}.\n`,
);
console.log('### Promotion (NonInferiorityTest: mixture of 5 bettors · baseline: plug-in aGRAPA bettor)\n');
console.log('| candidate (win/tie/loss) | mean score | promoted: mixture | promoted: plug-in | comparisons median / p90: mixture | comparisons median / p90: plug-in |');
console.log('|---|---|---|---|---|---|');
for (const row of report.promotion) {
  const kind = row.isNull ? ' (false promotions)' : '';
  console.log(
    `| ${row.scenario}${kind} | ${simulation.meanScore(row.mix).toFixed(3)} | ${pct(row.mixture.rate)} | ${pct(row.plugIn.rate)} | ${times(row.mixture)} | ${times(row.plugIn)} |`,
  );
}
console.log(`\n### Demotion (DriftDetector, mean comparisons to a false demotion ≥ ${o.meanComparisonsToFalseDemotion})\n`);
console.log(`| after promotion | demoted within ${o.driftHorizon} comparisons | comparisons from drift to demotion, median / p90 |`);
console.log('|---|---|---|');
for (const row of report.demotion) {
  const kind = row.isNull ? ' (false demotions)' : '';
  console.log(`| ${row.scenario} (${mix(row.before)} → ${mix(row.after)})${kind} | ${pct(row.detector.rate)} | ${times(row.detector)} |`);
}
console.error(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
