/**
 * Remote kernels: the end-to-end turn with kernels behind a Jupyter Kernel Gateway.
 * Starts the scripted model server, `jupyter kernelgateway` (with an environment variable only its
 * kernels can see) and JupyterLab with `--gateway-url` pointing at it; runs ui-tests/gateway/.
 *
 *   CI=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm playwright test -c playwright-gateway.config.js
 */
process.env.CODE_INTERP_LAB_PORT = process.env.CODE_INTERP_LAB_PORT ?? '8931';
process.env.CODE_INTERP_LLM_PORT = process.env.CODE_INTERP_LLM_PORT ?? '8932';
const GATEWAY_PORT = Number(process.env.CODE_INTERP_GATEWAY_PORT ?? 8933);
/** Set in the gateway's environment only: a cell that prints it ran in a gateway kernel. */
process.env.CODE_INTERP_GATEWAY_MARK = `kernel-gateway-on-${GATEWAY_PORT}`;
const main = require('./playwright.config.js');
const LAB_PORT = Number(process.env.CODE_INTERP_LAB_PORT);
const LLM_PORT = Number(process.env.CODE_INTERP_LLM_PORT);
const GATEWAY = `http://127.0.0.1:${GATEWAY_PORT}`;

module.exports = {
  ...main,
  testDir: './gateway',
  webServer: [
    main.webServer[0],
    {
      command:
        `jupyter kernelgateway --KernelGatewayApp.ip=127.0.0.1 ` +
        `--KernelGatewayApp.port=${GATEWAY_PORT} ` +
        '--JupyterWebsocketPersonality.list_kernels=True ' +
        // The gateway gives its kernels only the variables listed here from its own environment…
        '--KernelGatewayApp.env_process_whitelist=CODE_INTERP_GATEWAY_MARK ' +
        // …and these from the environment the lab sends when it starts a kernel.
        '--JupyterWebsocketPersonality.env_whitelist=OPENAI_API_KEY ' +
        '--JupyterWebsocketPersonality.env_whitelist=CODE_INTERP_LAB_VARIABLE',
      url: `${GATEWAY}/api/kernelspecs`,
      timeout: 60 * 1000,
      reuseExistingServer: false,
      env: {
        ...process.env,
        CODE_INTERP_GATEWAY_MARK: process.env.CODE_INTERP_GATEWAY_MARK
      }
    },
    {
      // The lab's own environment does not have the mark (kernels started here would not); it
      // has an API key, which the extension must take out before any kernel starts: the lab is
      // even told to forward that variable to the gateway's kernels (the worst configuration).
      command:
        'env -u CODE_INTERP_GATEWAY_MARK OPENAI_API_KEY=sk-lab-only-secret-key ' +
        'CODE_INTERP_LAB_VARIABLE=from-the-lab ' +
        `jlpm start --port ${LAB_PORT} --gateway-url=${GATEWAY} ` +
        '--GatewayClient.allowed_envs=OPENAI_API_KEY,CODE_INTERP_LAB_VARIABLE',
      url: `http://localhost:${LAB_PORT}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: false
    }
  ]
};
