"""Server configuration for integration tests.

!! Never use this configuration in production because it
opens the server to the world and provide access to JupyterLab
JavaScript objects through the global window variable.
"""

import os
import tempfile

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821

# The machines running the tests run as root.
c.ServerApp.allow_root = True  # noqa: F821
# Keep test notebooks out of the repository.
c.ServerApp.root_dir = tempfile.mkdtemp(prefix="code-interp-ui-")  # noqa: F821

# The scripted OpenAI-compatible server started by playwright.config.js.
_llm_port = os.environ.get("CODE_INTERP_LLM_PORT", "8765")
c.CodeInterpreter.base_url = f"http://127.0.0.1:{_llm_port}/v1"  # noqa: F821
c.CodeInterpreter.api_key = "scripted-test-key"  # noqa: F821
# scripted-auto is `auto` like scripted-model; tests/autoMode.spec.ts lets it learn and resets it.
c.CodeInterpreter.models = ["scripted-model", "scripted-fenced", "scripted-auto"]  # noqa: F821
c.CodeInterpreter.tool_modes = {"scripted-fenced": "fenced"}  # noqa: F821
# A second provider on the same scripted server (model switching), and the settings file of the
# providers dialog in a fresh temporary directory (outside the root, never the user's own).
c.CodeInterpreter.providers = {  # noqa: F821
    "second": {
        "label": "Second provider",
        "base_url": f"http://127.0.0.1:{_llm_port}/v1",
        "api_key": "scripted-second-key",
        "models": [{"id": "second-model", "price_in": 1.0, "price_out": 2.0}],
    }
}
c.CodeInterpreter.key_store_path = os.path.join(  # noqa: F821
    tempfile.mkdtemp(prefix="code-interp-keys-"), "providers.json"
)
# Stored conversations in a fresh database: notebooks of earlier runs have the same paths.
c.CodeInterpreter.db_path = os.path.join(  # noqa: F821
    tempfile.mkdtemp(prefix="code-interp-db-"), "conversations.sqlite"
)
