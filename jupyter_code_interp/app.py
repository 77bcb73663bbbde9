"""The jupyter_server extension: configuration, the conversation store and the routes."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from .config import CodeInterpreter
from .conversation import ConversationStore
from .handlers import build_handlers


class CodeInterpreterApp(ExtensionApp):
    """Serves the status endpoint and the chat socket of the code interpreter panel."""

    name = "jupyter_code_interp"
    classes = [CodeInterpreter]  # noqa: RUF012 (traitlets reads it as a class attribute)

    def initialize_settings(self) -> None:
        """Read `c.CodeInterpreter`, take the API key out of the environment, make the store."""
        self.code_interpreter = CodeInterpreter(parent=self)
        # Before any kernel starts: kernels copy os.environ, and must not see the key.
        self.code_interpreter.scrub_environment()
        self.conversations = ConversationStore()
        problem = self.code_interpreter.problem()
        if problem is None:
            self.log.info(
                "code-interp: endpoint %s, models %s",
                self.code_interpreter.status()["baseUrl"],
                ", ".join(self.code_interpreter.models),
            )
        else:
            self.log.warning("code-interp is not ready: %s", problem)

    def initialize_handlers(self) -> None:
        """Register the REST and WebSocket routes, handing them their dependencies."""
        self.handlers.extend(build_handlers(self.code_interpreter, self.conversations))
