"""`jupyter code-interp run NOTEBOOK.ipynb "INSTRUCTION"`: one headless turn in a real kernel.

Exit codes: 0 done, 1 the model or the kernel failed (or the turn gave up fixing an error), 2 bad
arguments or an unreadable notebook, 3 the step limit was reached, 4 the model asks the user a
question (printed on stdout), 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from jupyter_core.application import JupyterApp

from .agent.executor import Executor
from .agent.loop import TurnOutcome, run_turn
from .agent.rules import turn_rules
from .agent.usage import UsageMeter
from .bench import command as bench
from .chat.turn_files import AttachmentRefused, FileTrackingExecutor, TurnFiles, open_turn_files
from .chat.turn_setup import turn_options
from .config import CodeInterpreter
from .console import TurnConsole
from .conversations.model import Conversation
from .files.paths import FileAccess
from .kernel.headless import KernelExecutor
from .providers.choosing import ChoiceError, NoModel, checked_choice
from .providers.client import ProviderError
from .services import build_services

EXIT_DONE = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_MAX_STEPS = 3
EXIT_QUESTION = 4
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad arguments or an unusable notebook file; the message is shown as one line."""


class _ServerConfigReader(JupyterApp):
    """Loads jupyter_server_config.{py,json} from the Jupyter config path, as the server does."""

    name = "jupyter-code-interp"
    description = "Reads the configuration of the code interpreter."

    def _config_file_name_default(self) -> str:
        """The server's config file, so the CLI sees the same `c.CodeInterpreter`."""
        return "jupyter_server_config"


def load_settings() -> CodeInterpreter:
    """`c.CodeInterpreter` from the server's config files; environment variables fill defaults."""
    reader = _ServerConfigReader()
    reader.load_config_file()
    return CodeInterpreter(config=reader.config)


def read_notebook(path: Path) -> tuple[nbformat.NotebookNode, bool]:
    """The notebook at `path` (and False), or a new empty one (and True) if there is no file."""
    if path.suffix != ".ipynb":
        raise UsageError(f"{path} is not a notebook: the file name must end in .ipynb.")
    if path.is_dir():
        raise UsageError(f"{path} is a directory, not a notebook.")
    if not path.exists():
        if not path.parent.is_dir():
            raise UsageError(f"Cannot create {path}: the directory {path.parent} does not exist.")
        return nbformat.v4.new_notebook(), True
    try:
        text = path.read_text(encoding="utf-8")
        notebook = nbformat.reader.reads(text)
        notebook = nbformat.convert(notebook, 4)
        nbformat.validate(notebook)
    except Exception as error:  # noqa: BLE001 - any unreadable file is reported the same way
        detail = " ".join(str(error).split())[:200] or type(error).__name__
        raise UsageError(f"{path} is not a valid notebook ({detail}); it was left untouched.")
    if int(notebook.get("nbformat_minor", 0)) < 5:
        # Cell ids (needed to place and report new cells) arrived in nbformat 4.5.
        notebook = nbformat.v4.upgrade(notebook, from_version=4, from_minor=notebook.nbformat_minor)
    return notebook, False


def write_notebook_atomically(notebook: nbformat.NotebookNode, path: Path) -> None:
    """Validate and write `notebook`: a temporary file beside `path`, then a rename over it."""
    nbformat.validate(notebook)
    text = nbformat.writes(notebook)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            if not text.endswith("\n"):
                file.write("\n")
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """The permissions `path` has, or those a new file gets (mkstemp's are owner-only)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def project_root(path: Path) -> Path:
    """The root of a headless run on the notebook at `path`: the working directory when the
    notebook is inside it (its project), else the notebook's folder."""
    folder = Path(os.path.abspath(path)).parent
    cwd = Path.cwd()
    return cwd if folder == cwd or cwd in folder.parents else folder


def project_access(path: Path) -> tuple[FileAccess | None, str]:
    """The project root of the notebook at `path` and the notebook's path in it (no root when
    a symbolic link puts the notebook's folder outside it: no AGENTS.md is looked for)."""
    access = FileAccess.at(project_root(path))
    folder = Path(os.path.abspath(path)).parent.resolve()
    if folder != access.root_dir and access.root_dir not in folder.parents:
        return None, path.name
    return access, access.relative(folder / path.name)


async def attached_files(path: Path, attach: list[str]) -> TurnFiles | None:
    """The files of `--attach` (relative to the working directory), checked, or UsageError.

    They must be inside the project root (see `project_root`): the kernel runs in the
    notebook's folder and reads them from there.
    """
    if not attach:
        return None
    root = project_root(path)
    access = FileAccess.at(root)
    relative = []
    for name in attach:
        absolute = Path(os.path.abspath(name))
        if absolute != root and root not in absolute.parents:
            raise UsageError(
                f"--attach {name}: the file is outside {root}; attach files in the notebook's "
                "folder (or, when the notebook is in the working directory, anywhere under it)."
            )
        relative.append(absolute.relative_to(root).as_posix())
    try:
        return await open_turn_files(
            access, Path(os.path.abspath(path)).relative_to(root).as_posix(), relative
        )
    except AttachmentRefused as refused:
        raise UsageError(f"--attach: {refused}") from None


async def run_headless(
    path: Path,
    instruction: str,
    model: str | None,
    max_steps: int | None,
    provider_name: str | None = None,
    attach: list[str] | None = None,
    *,
    markdown: bool = True,
    verbose: bool = False,
    trust_edits: bool = False,
) -> int:
    """One turn on the notebook at `path`; returns the exit code.

    With `markdown` the saved notebook has the instruction and the final answer as Markdown
    cells around the turn's code; `verbose` shows each step's code on stderr; `trust_edits` lets
    the model edit cells it did not write (nobody can review them here).
    """
    settings = load_settings()
    registry = build_services(settings, persist=False).registry
    notebook, created = read_notebook(path)
    files = await attached_files(path, attach or [])
    try:
        choice = await checked_choice(registry, provider_name, model)
    except NoModel:
        raise  # a ProviderError: main() says it and exits 1
    except ChoiceError as error:
        raise UsageError(str(error)) from None
    provider = await registry.client(choice.provider)
    meter = UsageMeter()
    console = TurnConsole(sys.stdout, sys.stderr, meter=meter, verbose=verbose)
    executor = KernelExecutor(notebook, path, quiet=not verbose)
    runner: Executor = executor
    if files is not None:
        files.bind(console.emit)
        instruction += await files.attachment_section()
        runner = FileTrackingExecutor(executor, files)
    outcome: TurnOutcome | None = None
    try:
        try:
            await executor.start()
        except Exception as error:  # noqa: BLE001 - missing kernelspec, launch or timeout errors
            print(
                f"error: could not start the kernel '{executor.kernel_name}': {error}",
                file=sys.stderr,
            )
            return EXIT_FAILED
        rules = await turn_rules(settings.rules, *project_access(path))
        options = await turn_options(
            settings,
            choice,
            max_steps=max_steps,
            context=await executor.turn_context(),
            attached=files is not None,
            rules=rules.prompt_block(),
            trust_edits=trust_edits,
        )
        console.max_steps = options.max_steps
        console.start()
        outcome = await run_turn(
            Conversation(str(path)),
            instruction,
            provider=provider,
            executor=runner,
            model=choice.model,
            emit=console.emit,
            meter=meter,
            options=options,
        )
    finally:
        await executor.shutdown()
        await registry.aclose()
        console.finish()
        answered = outcome is not None and outcome.reason == "done"
        if markdown and (executor.inserted or answered):
            executor.add_markdown(instruction, console.answer.strip() if answered else "")
        if (
            executor.inserted
            or executor.edited
            or (created and outcome is not None and outcome.reason != "error")
        ):
            write_notebook_atomically(notebook, path)
    assert outcome is not None  # set unless an exception left the function above
    if outcome.reason == "done":
        return EXIT_DONE
    if outcome.reason == "question":
        return EXIT_QUESTION
    if outcome.reason == "max_steps":
        print(f"error: step limit reached: {outcome.message}", file=sys.stderr)
        return EXIT_MAX_STEPS
    print(f"error: {outcome.message or 'the turn failed'}", file=sys.stderr)
    return EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    """The command line: `run NOTEBOOK INSTRUCTION [--model M] [--max-steps N]`."""
    parser = argparse.ArgumentParser(
        prog="jupyter code-interp",
        description="Run the code interpreter on a notebook without JupyterLab.",
        epilog="Exit codes: 0 done, 1 the model or kernel failed, 2 bad input, "
        "3 step limit reached, 4 the model asks a question. Configuration: c.CodeInterpreter.* in jupyter_server_config, "
        "OPENAI_API_KEY, OPENAI_BASE_URL.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one instruction on a notebook")
    run.add_argument("notebook", type=Path, help="the .ipynb file (created if missing)")
    run.add_argument("instruction", help="what the model should do")
    run.add_argument(
        "--model",
        help="model id, one the provider configures or its GET /models lists "
        "(default: $OPENAI_MODEL or c.CodeInterpreter.default_model)",
    )
    run.add_argument(
        "--provider", help="provider name from c.CodeInterpreter.providers (default: the first)"
    )
    run.add_argument("--max-steps", type=int, help="most cells to run (default: config, 10)")
    run.add_argument(
        "--attach",
        nargs="+",
        default=[],
        metavar="FILE",
        help="files the instruction is about: the model gets their previews (encoding, columns, "
        "first rows), as with files attached in the panel",
    )
    run.add_argument(
        "--no-markdown",
        dest="markdown",
        action="store_false",
        help="leave the instruction and the answer out of the notebook (they are added as "
        "Markdown cells around the turn's code by default)",
    )
    run.add_argument(
        "--trust-edits",
        action="store_true",
        help="let the model change cells it did not write without review (deletions stay "
        "refused: nobody can review them here)",
    )
    run.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="show the code of each step and the kernel's own messages and warnings",
    )
    bench.add_bench_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `jupyter code-interp`; returns the exit code."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")
    arguments = build_parser().parse_args(argv)
    if arguments.command == "bench":
        return bench.main(arguments, load_settings())
    if not arguments.instruction.strip():
        print("error: the instruction is empty.", file=sys.stderr)
        return EXIT_USAGE
    if arguments.max_steps is not None and arguments.max_steps < 1:
        print("error: --max-steps must be at least 1.", file=sys.stderr)
        return EXIT_USAGE
    try:
        return asyncio.run(
            run_headless(
                arguments.notebook,
                arguments.instruction,
                arguments.model,
                arguments.max_steps,
                arguments.provider,
                arguments.attach,
                markdown=arguments.markdown,
                verbose=arguments.verbose,
                trust_edits=arguments.trust_edits,
            )
        )
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ProviderError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("error: interrupted; the kernel was shut down.", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
