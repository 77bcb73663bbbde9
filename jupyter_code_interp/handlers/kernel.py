"""GET /code-interp/kernel-setup and /kernel-inspect: code the panel runs silently in kernels."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..kernel.inspection import inspect_code
from ..kernel.setup_code import setup_code
from .base import CodeInterpHandler


class KernelSetupHandler(CodeInterpHandler):
    """Serves the setup code per kernel language (today: a CJK font for matplotlib)."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """`{language: code}` as JSON."""
        self.write_json(setup_code())


class KernelInspectHandler(CodeInterpHandler):
    """Serves the code of the silent kernel inspection per kernel language."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """`{language: {setup, expression}}` as JSON."""
        self.write_json(inspect_code())
