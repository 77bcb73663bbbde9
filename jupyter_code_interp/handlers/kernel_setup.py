"""GET /code-interp/kernel-setup and /kernel-inspect: code the panel runs silently in kernels."""

from __future__ import annotations

import json

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..inspection import inspect_code
from ..kernel_setup import setup_code
from .status import AUTH_RESOURCE


class KernelSetupHandler(APIHandler):
    """Serves the setup code per kernel language (today: a CJK font for matplotlib)."""

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized
    def get(self) -> None:
        """`{language: code}` as JSON."""
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(setup_code(), ensure_ascii=False))


class KernelInspectHandler(APIHandler):
    """Serves the code of the silent kernel inspection per kernel language."""

    auth_resource = AUTH_RESOURCE

    @web.authenticated
    @authorized
    def get(self) -> None:
        """`{language: {setup, expression}}` as JSON."""
        self.set_header("Content-Type", "application/json; charset=UTF-8")
        self.finish(json.dumps(inspect_code(), ensure_ascii=False))
