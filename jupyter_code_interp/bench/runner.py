"""Running bench tasks: each in a fresh folder with its data files and a fresh kernel.

A task runs through the same loop as `jupyter code-interp run` (the headless kernel executor, the
same prompts, context builder and `run_turn`); its data files are attached the way the panel
attaches files (a preview of each is added to the instruction). The one-shot baseline asks the
same model once, with the same question and previews, and runs nothing.

Each finished task appends one line to `results.jsonl` at once, so an interrupted run loses only
the tasks that were running; `--resume` skips the tasks that have a line.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from ..agent.loop import TurnOutcome, run_turn
from ..agent.usage import UsageMeter
from ..chat.turn_files import open_turn_files
from ..chat.turn_setup import turn_options
from ..conversations.model import Conversation
from ..files.paths import FileAccess
from ..kernel.headless import KernelExecutor
from ..providers.client import ProviderError, TextDelta, Usage
from .scoring import judge
from .tasks import Task

if TYPE_CHECKING:
    from ..config import CodeInterpreter
    from ..providers.client import ChatProvider
    from ..providers.registry import ModelChoice

MODES = ("loop", "oneshot")
REPLY_CHARS = 4000
"""Characters of the final reply kept in results.jsonl."""
ONESHOT_PROMPT = (
    "You are a data analyst. In this conversation you cannot run any code: answer the user's "
    "question directly, from the question and the previews of the attached files. Write in the "
    "language of the question and give the answer in exactly the format it asks for."
)

Emit = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Result:
    """One task run in one mode: one line of results.jsonl."""

    id: str
    mode: str
    level: str
    language: str
    verdict: str
    """solved, wrong, no_answer (none found in the reply), timeout or error (could not run)."""
    score: float = 0.0
    answer: str | None = None
    expected: Any = None
    reply: str = ""
    steps: int = 0
    tokens: dict[str, int] = field(default_factory=lambda: {"prompt": 0, "completion": 0})
    seconds: float = 0.0
    notebook: str | None = None
    error: str | None = None
    """The last error: the turn's, or the last failing cell's."""
    detail: str = ""

    @property
    def solved(self) -> bool:
        """Whether the answer was right."""
        return self.verdict == "solved"


@dataclass
class Transcript:
    """Follows a turn's events: the final reply (text after the last step) and the last error."""

    reply: str = ""
    steps: int = 0
    last_error: str | None = None

    async def emit(self, event: dict[str, Any]) -> None:
        """One event of the agent loop."""
        kind = event.get("type")
        if kind == "text":
            self.reply += str(event.get("delta", ""))
        elif kind == "step_started":
            self.reply = ""
            self.steps = max(self.steps, int(event.get("step") or 0))
        elif kind == "step_finished" and event.get("status") != "ok":
            name = event.get("ename") or "the cell could not run"
            self.last_error = f"{name}: {event.get('evalue')}" if event.get("evalue") else name


@dataclass
class Model:
    """What every task of a run talks to."""

    settings: CodeInterpreter
    choice: ModelChoice
    provider: ChatProvider


def folder_name(task_id: str) -> str:
    """A file-system-safe folder name for a task id (a hash is added when it had to change)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", task_id).strip("._") or "task"
    if safe != task_id:
        safe += "-" + hashlib.sha1(task_id.encode("utf-8")).hexdigest()[:8]
    return safe[:80]


def prepare_folder(task: Task, tasks_dir: Path) -> Path:
    """A fresh folder for the task (an older attempt's is removed) holding its data files."""
    folder = tasks_dir / folder_name(task.id)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, source in zip(task.files, task.paths()):
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return folder


async def with_attachments(folder: Path, notebook: str, task: Task) -> str:
    """The task's question followed by the previews of its data files, as the panel sends them."""
    files = await open_turn_files(FileAccess.at(folder), notebook, list(task.files))
    return task.question + (await files.attachment_section() if files else "")


async def headless_turn(
    path: Path,
    instruction: str,
    model: Model,
    emit: Emit,
    *,
    meter: UsageMeter,
    max_steps: int | None = None,
    cell_timeout: int | None = None,
) -> TurnOutcome:
    """One turn on a new notebook at `path`, in a kernel started in its folder; saved after."""
    notebook = nbformat.v4.new_notebook()
    executor = KernelExecutor(notebook, path, cell_timeout=cell_timeout)
    try:
        await executor.start()
        options = await turn_options(
            model.settings,
            model.choice,
            max_steps=max_steps,
            context=await executor.turn_context(),
        )
        return await run_turn(
            Conversation(str(path)),
            instruction,
            provider=model.provider,
            executor=executor,
            model=model.choice.model,
            emit=emit,
            meter=meter,
            options=options,
        )
    finally:
        await executor.shutdown()
        nbformat.write(notebook, path)


def _scored(result: Result, task: Task, reply: str) -> Result:
    """`result` with the verdict on `reply`."""
    verdict = judge(task.check, reply)
    result.reply = reply[-REPLY_CHARS:]
    result.answer = verdict.answer
    result.score = verdict.score
    result.detail = verdict.detail
    if verdict.solved:
        result.verdict = "solved"
    elif verdict.answer is None and task.check.kind != "dabench":
        result.verdict = "no_answer"
    else:
        result.verdict = "wrong"
    return result


def _tokens(meter: UsageMeter) -> dict[str, int]:
    """A meter's totals as results.jsonl writes them."""
    return {"prompt": meter.prompt_tokens, "completion": meter.completion_tokens}


async def run_loop_task(
    task: Task, tasks_dir: Path, model: Model, *, timeout: float, max_steps: int | None = None
) -> Result:
    """Run `task` through the agent loop in a fresh folder and kernel, and judge the answer."""
    began = time.monotonic()
    folder = prepare_folder(task, tasks_dir)
    path = folder / "analysis.ipynb"
    result = Result(
        task.id, "loop", task.level, task.language, "error", expected=task.check.expected
    )
    result.notebook = path.relative_to(tasks_dir.parent).as_posix()
    transcript, meter = Transcript(), UsageMeter()
    outcome: TurnOutcome | None = None
    try:
        instruction = await with_attachments(folder, path.name, task)
        outcome = await asyncio.wait_for(
            headless_turn(
                path,
                instruction,
                model,
                transcript.emit,
                meter=meter,
                max_steps=max_steps,
                cell_timeout=max(1, int(timeout)),
            ),
            timeout,
        )
    except asyncio.TimeoutError:
        result.verdict = "timeout"
        result.error = f"the task did not finish within {timeout:g} s"
    except Exception as error:  # noqa: BLE001 - a kernel that does not start, a bad file...
        result.error = f"{type(error).__name__}: {error}"
    result.steps = transcript.steps
    result.tokens = _tokens(meter)
    result.seconds = round(time.monotonic() - began, 2)
    if outcome is None:
        return result
    _scored(result, task, transcript.reply)
    if outcome.reason != "done":
        result.error = outcome.message or outcome.reason
        if outcome.reason == "error" and result.answer is None:
            result.verdict = "error"
    else:
        result.error = transcript.last_error
    return result


async def run_oneshot_task(task: Task, folders: Path, model: Model, *, timeout: float) -> Result:
    """Ask the model once, with the same question and previews and no code, and judge it.

    The data files are copied into a folder of `folders` only to preview them as the loop does.
    """
    began = time.monotonic()
    folder = prepare_folder(task, folders)
    result = Result(
        task.id, "oneshot", task.level, task.language, "error", expected=task.check.expected
    )
    meter = UsageMeter()
    reply, reported = "", None
    try:
        question = await with_attachments(folder, "analysis.ipynb", task)
        messages = [
            {"role": "system", "content": ONESHOT_PROMPT},
            {"role": "user", "content": question},
        ]

        async def ask() -> None:
            nonlocal reply, reported
            async for event in model.provider.stream(model.choice.model, messages):
                if isinstance(event, TextDelta):
                    reply += event.text
                elif isinstance(event, Usage):
                    reported = (event.prompt_tokens, event.completion_tokens)

        try:
            await asyncio.wait_for(ask(), timeout)
        finally:
            if reported is not None or reply:
                meter.record(reported, messages, reply)
        _scored(result, task, reply)
    except asyncio.TimeoutError:
        result.verdict = "timeout"
        result.error = f"the answer did not come within {timeout:g} s"
    except ProviderError as error:
        result.error = str(error)
    result.tokens = _tokens(meter)
    result.seconds = round(time.monotonic() - began, 2)
    return result


class ResultsFile:
    """DIR/results.jsonl: read on resume, one line appended per finished task."""

    def __init__(self, path: Path) -> None:
        """The file at `path` (it need not exist)."""
        self.path = path

    def load(self) -> list[Result]:
        """The results already written; a torn or foreign line is dropped (the file is rewritten)."""
        if not self.path.exists():
            return []
        kept: list[Result] = []
        lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        for line in lines:
            try:
                kept.append(Result(**json.loads(line)))
            except (ValueError, TypeError):
                continue
        if len(kept) != len([line for line in lines if line.strip()]):
            self.path.write_text("".join(self.line(result) for result in kept), encoding="utf-8")
        return kept

    @staticmethod
    def line(result: Result) -> str:
        """One result as a JSON line."""
        return json.dumps(asdict(result), ensure_ascii=False) + "\n"

    def append(self, result: Result) -> None:
        """Add one result and flush it to disk."""
        with self.path.open("a", encoding="utf-8") as file:
            file.write(self.line(result))
            file.flush()
