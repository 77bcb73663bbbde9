/**
 * Browser benchmarks (figures only, no goals asserted): ui-tests/benchmarks/. Not part of the
 * normal `jlpm playwright test` run (that one only runs tests/).
 *
 *   CI=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm playwright test -c playwright-benchmarks.config.js
 */
process.env.CODE_INTERP_LAB_PORT = process.env.CODE_INTERP_LAB_PORT ?? '8934';
process.env.CODE_INTERP_LLM_PORT = process.env.CODE_INTERP_LLM_PORT ?? '8935';
const main = require('./playwright.config.js');

module.exports = {
  ...main,
  testDir: './benchmarks',
  // The figures are printed by the tests: the list reporter shows their output.
  reporter: [['list']],
  timeout: 240 * 1000
};
