"""One chat socket's session: validates client frames, runs turns, bridges code execution.

Plain async Python: the tornado handler only feeds it decoded frames and gives it a `send`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from ..agent.executor import Executor
from ..agent.loop import run_turn
from ..agent.rules import turn_rules
from ..agent.snapshot import NotebookContext
from ..agent.usage import UsageMeter
from ..config import CodeInterpreter
from ..conversations.store import ConversationStore
from ..files.paths import FileAccess
from ..i18n import _, set_locale
from ..kernel.control import InterruptKernel
from ..providers.client import ProviderError
from ..providers.redaction import redact
from ..providers.registry import ProviderRegistry
from .conversation_frames import CONVERSATION_FRAMES, handle_conversation_frame
from .executions import PendingExecution, SocketExecutor
from .frames import (
    CLOSED_MESSAGE,
    FrameError,
    frame_field,
    frame_identifier,
    parse_action_result,
    parse_attached_cells,
    parse_execution_result,
    parse_notebook_context,
    validate_notebook_path,
)
from .turn_end import RunningTurn, TurnLimits, cancelled_ending, describe_error, interrupt_cell
from .turn_files import AttachmentRefused, FileTrackingExecutor, TurnFiles, open_turn_files
from .turn_model import (
    ChoiceError,
    ModelChoice,
    conversation_model,
    open_model,
    requested_model,
    turn_usage,
)
from .turn_recorder import TurnRecorder, attachment_paths
from .turn_setup import turn_options

SendFrame = Callable[[dict[str, Any]], Awaitable[None]]
MayRead = Callable[[str], Awaitable[bool]]


class ChatSession:
    """The state of one chat socket: running turns and pending executions."""

    def __init__(
        self,
        send: SendFrame,
        settings: CodeInterpreter,
        registry: ProviderRegistry,
        store: ConversationStore,
        log: logging.Logger,
        files: FileAccess | None = None,
        may_read: MayRead | None = None,
        *,
        interrupt_kernel: InterruptKernel | None = None,
        locale: str | None = None,
    ) -> None:
        """A session that writes frames with `send`; `files` enables attachments and cards;
        `may_read(path)` says whether the user may read a file (None: any file in the root).

        `interrupt_kernel` interrupts a kernel by id (jupyter_server's kernel manager): a cell
        still running when the socket closes is interrupted. `locale` is the panel's language:
        messages for people (how a turn ended, provider errors) are translated into it.
        """
        self._send = send
        self._interrupt_kernel = interrupt_kernel
        self._locale = locale
        self._close_messages: dict[str, str] = {}
        """Why each turn cancelled by `close` ended (whether its kernel was interrupted)."""
        self._files = files
        self._may_read = may_read
        self._settings = settings
        self._registry = registry
        self._store = store
        self._log = log
        self._turns: dict[str, RunningTurn] = {}
        self._pending: dict[str, PendingExecution] = {}
        self._closed = False
        self._cleanup: asyncio.Task[None] | None = None
        self._notices: list[str] = []
        self._notifying: asyncio.Future[None] | None = None
        self._expired: set[str] = set()

    async def open(self) -> None:
        """The socket is open: tell the panel what is wrong with the conversation store."""
        self._store.watch(self._notify)
        if self._store.problem is not None:
            await self._safe_send({"type": "error", "message": self._store.problem})

    def _notify(self, message: str) -> None:
        """The store had to replace its database: tell the panel (before its next frame)."""
        self._notices.append(message)
        self._notifying = asyncio.ensure_future(self._safe_send(None))

    @property
    def running_notebooks(self) -> list[str]:
        """Notebooks that have a turn running now."""
        return [turn.notebook for turn in self._turns.values()]

    async def handle(self, frame: dict[str, Any]) -> None:
        """Act on one decoded client frame; bad frames are answered with an `error` frame."""
        try:
            kind = frame.get("type")
            if not isinstance(kind, str):
                raise FrameError("Every frame needs a string field 'type'.")
            if self._closed:
                raise FrameError("The session is closed.")
            if kind == "turn":
                # The requested model is checked against the endpoints' current model lists.
                await self._registry.refresh_models()
                await self._start_turn(frame)
            elif kind in ("execute_result", "notebook_result"):
                self._resolve_execution(frame)
            elif kind == "stop":
                self._stop_turn(frame)
            elif kind in CONVERSATION_FRAMES:
                await self._safe_send(handle_conversation_frame(self._store, frame))
            else:
                raise FrameError(
                    f"Unknown frame type '{kind}'; expected turn, execute_result, "
                    "notebook_result, stop, "
                    f"{', '.join(sorted(CONVERSATION_FRAMES))}."
                )
        except FrameError as error:
            reply: dict[str, Any] = {"type": "error", "message": str(error)}
            if error.turn_id is not None:
                reply["turnId"] = error.turn_id
            await self._safe_send(reply)

    async def refuse(self, why: str, turn_id: str | None, request_id: str | None) -> None:
        """Answer a frame the socket could not read (too large, not JSON): an `error` frame; if it
        was an execution result, its step fails with `why` (the turn would wait forever)."""
        pending = self._pending.get(request_id or "")
        if pending is not None and not pending.future.done():
            pending.fail(f"Invalid result: {why}")
            turn_id = pending.turn_id
        await self._safe_send(
            {"type": "error", "message": why, **({"turnId": turn_id} if turn_id else {})}
        )

    async def _start_turn(self, frame: dict[str, Any]) -> None:
        """Validate a `turn` frame and start its task."""
        turn_id = frame_identifier(frame, "turnId")
        try:
            notebook = validate_notebook_path(frame_field(frame, "notebook", str))
            instruction: str = frame_field(frame, "instruction", str)
            if not instruction.strip():
                raise FrameError("The instruction is empty.")
            provider = frame_field(frame, "provider", str, required=False)
            requested = frame_field(frame, "model", str, required=False)
            try:
                choice = requested_model(self._registry, provider, requested)
            except ChoiceError as error:
                raise FrameError(str(error)) from None
            max_steps = frame_field(frame, "maxSteps", int, required=False)
            output_limit = frame_field(frame, "outputLimit", int, required=False)
            context = parse_notebook_context(frame.get("context"))
            cells = parse_attached_cells(frame.get("attachedCells"))
            fix_attempts = frame_field(frame, "maxFixAttempts", int, required=False)
            compute_figures = frame_field(frame, "computeFigures", bool, required=False)
            trust_edits = frame_field(frame, "trustEdits", bool, required=False) is True
            kernel_id = frame_field(frame, "kernelId", str, required=False)
            locale = frame_field(frame, "locale", str, required=False)
            try:
                attached = frame_field(frame, "attachments", list, required=False)
                files = await open_turn_files(self._files, notebook, attached, self._may_read)
            except AttachmentRefused as refused:
                raise FrameError(str(refused)) from None
            if turn_id in self._turns:
                raise FrameError(f"Turn '{turn_id}' is already running.")
            if notebook in self.running_notebooks:
                raise FrameError(
                    f"A turn is already running in '{notebook}'; stop it or wait for it to end."
                )
            if self._store.running_turn(notebook) is not None:
                raise FrameError(f"A turn is already running in '{notebook}' in another window.")
        except FrameError as error:
            error.turn_id = turn_id
            raise
        task = asyncio.create_task(
            self._run_turn(
                turn_id,
                notebook,
                instruction,
                choice,
                TurnLimits(max_steps, output_limit, fix_attempts, compute_figures, trust_edits),
                files,
                (context, cells),
                locale or self._locale,
            )
        )
        self._turns[turn_id] = RunningTurn(
            turn_id, notebook, task, kernel_id or None, locale or self._locale
        )
        self._store.mark_running(notebook, turn_id)  # every socket sees it (history, undo)
        task.add_done_callback(lambda _: self._store.finish_running(turn_id))

    async def _run_turn(
        self,
        turn_id: str,
        notebook: str,
        instruction: str,
        choice: ModelChoice | None,
        limits: TurnLimits,
        files: TurnFiles | None = None,
        inputs: tuple[NotebookContext | None, list[dict[str, Any]]] = (None, []),
        locale: str | None = None,
    ) -> None:
        """Run one turn to its end and always report `turn_finished`; `inputs`: context, cells."""
        set_locale(locale)  # this task's messages for people are in the panel's language
        meter = UsageMeter()
        recorder = TurnRecorder(
            self._store, turn_id, instruction, attachment_paths(files), self._log
        )
        executor = SocketExecutor(self, turn_id, recorder)

        async def emit(event: dict[str, Any]) -> None:
            if event.get("type") == "step_started":
                executor.step = int(event.get("step", executor.step + 1))
            if files is not None:
                files.observe(event)
            await self._record(recorder, {**event, "turnId": turn_id})

        finished: dict[str, Any] = {"type": "turn_finished", "turnId": turn_id}
        limit = self._settings.turn_time_limit
        expiry = asyncio.get_running_loop().call_later(limit, self._expire, turn_id)
        try:
            conversation = self._store.get(notebook)
            recorder.begin(conversation)
            choice = choice or conversation_model(self._registry, conversation)
            rules = await turn_rules(self._settings.rules, self._files, notebook, self._log)
            await self._record(recorder, recorder.started_frame(notebook, choice, rules, inputs[1]))
            provider = await open_model(self._registry, conversation, choice)
            choice = await self._registry.learn_window(choice)
            runner: Executor = executor
            if files is not None:
                files.bind(emit)
                instruction += await files.attachment_section()
                runner = FileTrackingExecutor(executor, files)
            outcome = await run_turn(
                conversation,
                instruction,
                provider=provider,
                executor=runner,
                model=choice.model,
                emit=emit,
                meter=meter,
                options=await turn_options(
                    self._settings,
                    choice,
                    turn_id=turn_id,
                    max_steps=limits.max_steps,
                    output_limit=limits.output_limit,
                    fix_attempts=limits.fix_attempts,
                    context=inputs[0],
                    workdir=files.workdir if files is not None else None,
                    attached=bool(files is not None and files.attachments),
                    compute_figures=limits.compute_figures,
                    rules=rules.prompt_block(),
                    attached_cells=inputs[1],
                    trust_edits=limits.trust_edits,
                ),
            )
            if files is not None and outcome.reason == "done":
                await files.finish()
            finished["reason"] = outcome.reason
            if outcome.message is not None:
                finished["message"] = outcome.message
            if outcome.learned_fenced:
                finished["toolModeLearned"] = True
        except asyncio.CancelledError:
            finished.update(
                cancelled_ending(
                    expired_after=self._settings.turn_time_limit
                    if turn_id in self._expired
                    else None,
                    closed=self._closed,
                    close_message=self._close_messages.get(turn_id),
                )
            )
        except ProviderError as error:
            finished.update(reason="error", message=str(error))
        except Exception as error:  # noqa: BLE001 - a turn must always end with turn_finished
            self._log.error(
                "code-interp turn %s failed:\n%s", turn_id, self._redact(describe_error(error))
            )
            finished.update(
                reason="error",
                message=_(
                    "Internal error ({name}); see the server log.", name=type(error).__name__
                ),
            )
        finally:
            expiry.cancel()
            self._expired.discard(turn_id)
            self._turns.pop(turn_id, None)
            self._abandon_executions(turn_id)
        if choice is not None:
            finished["usage"] = turn_usage(meter, choice)
        await self._record(recorder, finished)

    async def _record(self, recorder: TurnRecorder, frame: dict[str, Any]) -> None:
        """Record and send a frame of a turn; if the turn could not be saved, say so after it."""
        await self._safe_send(recorder.observe(frame))
        problem = recorder.take_problem()
        if problem is not None:
            await self._safe_send(
                {"type": "error", "turnId": recorder.record.turn_id, "message": problem}
            )

    async def request(
        self, turn_id: str, pending: PendingExecution, frame: Callable[[str], dict[str, Any]]
    ) -> Any:
        """Send the request `frame(request_id)` builds and wait for the result that answers it
        (`execute_result` or `notebook_result`); `pending.fail` answers it if that never comes."""
        if self._closed:
            pending.fail(CLOSED_MESSAGE)
            return pending.future.result()
        request_id = uuid.uuid4().hex
        self._pending[request_id] = pending
        try:
            await self._send(frame(request_id))
        except Exception as error:  # noqa: BLE001 - a vanished socket must not crash the loop
            self._pending.pop(request_id, None)
            pending.fail(f"Could not reach the panel ({type(error).__name__}).")
            return pending.future.result()
        try:
            return await pending.future
        finally:
            self._pending.pop(request_id, None)

    def _resolve_execution(self, frame: dict[str, Any]) -> None:
        """Hand an `execute_result` or `notebook_result` to the request waiting for it."""
        request_id = frame_identifier(frame, "requestId")
        pending = self._pending.get(request_id)
        if pending is None or pending.future.done() or pending.answer_type != frame["type"]:
            raise FrameError(
                f"Unknown requestId '{request_id}': no {frame['type']} is awaited for it "
                "(it finished, was stopped, or never existed)."
            )
        try:
            if pending.action is None:
                result: Any = parse_execution_result(frame)
            else:
                result = parse_action_result(frame, pending.action)
        except FrameError as error:
            # The turn would wait forever otherwise: the step fails, the model hears why.
            pending.fail(f"Invalid result: {error}")
            error.turn_id = pending.turn_id
            raise
        pending.future.set_result(result)

    def _expire(self, turn_id: str) -> None:
        """The turn reached c.CodeInterpreter.turn_time_limit: stop it as Stop would."""
        turn = self._turns.get(turn_id)
        if turn is not None:
            self._expired.add(turn_id)
            turn.task.cancel()

    def _stop_turn(self, frame: dict[str, Any]) -> None:
        """Cancel the turn a `stop` frame names."""
        turn_id = frame_identifier(frame, "turnId")
        turn = self._turns.get(turn_id)
        if turn is None:
            raise FrameError(f"No running turn has turnId '{turn_id}'.", turn_id)
        turn.task.cancel()

    def _abandon_executions(self, turn_id: str, why: str = "The turn ended.") -> None:
        """Fail the pending executions of one turn."""
        for pending in list(self._pending.values()):
            if pending.turn_id == turn_id:
                pending.fail(why)

    def close(self) -> None:
        """The socket closed: interrupt cells still running, cancel the turns, release them."""
        if self._closed:
            return
        self._closed = True
        self._store.unwatch(self._notify)
        running = {pending.turn_id for pending in self._pending.values() if pending.runs_code}
        kernels = [t for t in self._turns.values() if t.turn_id in running]
        self._cleanup = asyncio.ensure_future(self._release(kernels))

    async def _release(self, running_cells: list[RunningTurn]) -> None:
        """Interrupt the kernels of cells still running, then end the turns and wait for them.

        The kernels first: the turn's stored outcome says whether its cell was interrupted.
        """
        for turn in running_cells:
            set_locale(turn.locale)
            self._close_messages[turn.turn_id] = await interrupt_cell(
                self._interrupt_kernel, turn.kernel_id, self._log
            )
        for pending in list(self._pending.values()):
            pending.fail(CLOSED_MESSAGE)
        tasks = [turn.task for turn in self._turns.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def join(self) -> None:
        """Wait until every running turn (and the cleanup after `close`) is over."""
        while self._turns:
            await asyncio.gather(
                *(turn.task for turn in list(self._turns.values())), return_exceptions=True
            )
        if self._cleanup is not None:
            await self._cleanup

    async def _safe_send(self, frame: dict[str, Any] | None) -> None:
        """Send the store's notices, then `frame`, unless the socket is gone; a vanished client
        is not an error of ours."""
        frames = [{"type": "error", "message": notice} for notice in self._notices]
        self._notices.clear()
        for item in [*frames, *([frame] if frame is not None else [])]:
            if self._closed:
                return
            try:
                await self._send(item)
            except Exception as error:  # noqa: BLE001 - a vanished client is not our error
                self._log.debug("code-interp: could not send a frame (%s)", type(error).__name__)

    def _redact(self, text: str) -> str:
        """`text` without any API key or URL credential the server knows."""
        return redact(text, self._registry.secrets())
