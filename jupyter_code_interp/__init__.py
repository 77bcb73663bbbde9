"""A code interpreter for JupyterLab: a server extension and its lab extension."""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:
    # Fallback when using the package in dev mode without installing
    # in editable mode with pip. It is highly recommended to install
    # the package from a stable release or in editable mode: https://pip.pypa.io/en/stable/topics/local-project-installs/#editable-installs
    import warnings

    warnings.warn("Importing 'jupyter_code_interp' outside a proper installation.", stacklevel=2)
    __version__ = "dev"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt frontend."""
    return [{"src": "labextension", "dest": "jupyter-code-interp"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    """The server extension: an ExtensionApp (imported here so `import` stays cheap)."""
    from .app import CodeInterpreterApp

    return [{"module": "jupyter_code_interp", "app": CodeInterpreterApp}]
