"""The jupyter_server extension: configuration, the conversation store and the routes."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp

from .config import CodeInterpreter
from .conversation import ConversationStore
from .handlers import build_handlers
from .paths import FileAccess


class CodeInterpreterApp(ExtensionApp):
    """Serves the status endpoint and the chat socket of the code interpreter panel."""

    name = "jupyter_code_interp"
    classes = [CodeInterpreter]  # noqa: RUF012 (traitlets reads it as a class attribute)

    def initialize_settings(self) -> None:
        """Read `c.CodeInterpreter`, take the API key out of the environment, make the store."""
        self.code_interpreter = CodeInterpreter(parent=self)
        if self.serverapp is not None:  # the provider settings file must stay out of the root
            self.code_interpreter.server_root = self.serverapp.root_dir
            self.code_interpreter.allow_hidden = bool(self.serverapp.contents_manager.allow_hidden)
        # Before any kernel starts: kernels copy os.environ, and must not see the keys.
        self.code_interpreter.scrub_environment()
        self.conversations = ConversationStore()
        problem = self.code_interpreter.problem()
        if problem is None:
            self.log.info(
                "code-interp: providers %s",
                ", ".join(self.code_interpreter.registry.specs()),
            )
        else:
            self.log.warning("code-interp is not ready: %s", problem)

    async def stop_extension(self) -> None:
        """Close the model clients and stop the local model server, if one runs."""
        await self.code_interpreter.registry.aclose()

    def initialize_handlers(self) -> None:
        """Register the REST and WebSocket routes, handing them their dependencies."""
        # Attachments, previews and file cards resolve client paths inside the server root.
        server = self.serverapp
        assert server is not None, "an extension's handlers are made by its server"
        files = FileAccess.at(server.root_dir, bool(server.contents_manager.allow_hidden))
        self.handlers.extend(build_handlers(self.code_interpreter, self.conversations, files))
