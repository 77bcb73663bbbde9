/**
 * Playwright configuration: Galata defaults, Debian's Chromium (Playwright cannot download its
 * own browser here), the scripted OpenAI-compatible server and JupyterLab as web servers.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

/** Port of the scripted LLM server; jupyter_server_test_config.py points the extension at it. */
const LLM_PORT = Number(process.env.CODE_INTERP_LLM_PORT ?? 8765);
/** Port of JupyterLab (several test runs can share a machine with other ports). */
const LAB_PORT = Number(process.env.CODE_INTERP_LAB_PORT ?? 8888);
process.env.TARGET_URL = `http://localhost:${LAB_PORT}`;

module.exports = {
  ...baseConfig,
  // Only tests/: benchmarks/ and gateway/ have their own configurations.
  testDir: './tests',
  workers: 1,
  retries: 0,
  timeout: 120 * 1000,
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${LAB_PORT}`,
    video: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    }
  },
  webServer: [
    {
      command: `python ../tests/scripted_llm.py --port ${LLM_PORT}`,
      url: `http://127.0.0.1:${LLM_PORT}/v1/models`,
      timeout: 30 * 1000,
      reuseExistingServer: false
    },
    {
      command: `jlpm start --port ${LAB_PORT}`,
      url: `http://localhost:${LAB_PORT}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: false
    }
  ]
};
