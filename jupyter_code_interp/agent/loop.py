"""The code-interpreter loop: ask the model, run the code it wants, feed outputs back, repeat."""

from __future__ import annotations

from typing import Any, Literal

from ..conversations.model import Conversation
from ..i18n import _
from ..limits import (
    MAX_STEPS,
    OUTPUT_LIMIT,
)
from ..providers.client import ChatProvider, ProviderError, ToolsUnsupported
from .codeblocks import BlockCut, code_rule
from .exchange import (
    Job,
    Reply,
    assistant_message,
    cut_reply_error,
    jobs_of,
)
from .executor import Executor
from .guidance import FENCE_STOP, Repeats, names_a_file, settle_stop
from .languages import kernel_language
from .messages import (
    BuiltContext,
    RequestMode,
    build_context,
    request_messages,
)
from .outcome import TurnOptions, TurnOutcome
from .prompts import (
    COMPACT_BELOW,
    answer_request,
    compute_request,
    cut_reply,
    system_prompt,
)
from .reading import Emit, ReplyReader
from .repair import FixTracker
from .snapshot import NotebookSnapshot, kernel_summary
from .steps import run_jobs
from .tools import tool_schemas
from .usage import UsageMeter, estimate_messages, estimate_tokens

__all__ = ["TurnOptions", "TurnOutcome", "request_messages", "run_turn"]


MAX_INVALID_ROUNDS = 3
"""Replies in a row whose tool calls could not be run before the turn gives up."""
TOOL_SCHEMA_TOKENS = estimate_tokens(str(tool_schemas())) + 20
"""Prompt tokens the tool schemas take (all tools; the compact prompt sends run_code only)."""
COMPACT_TOOL_TOKENS = estimate_tokens(str(tool_schemas()[:1])) + 20


class _Turn:
    """State of one running turn."""

    def __init__(
        self,
        conversation: Conversation,
        provider: ChatProvider,
        executor: Executor,
        model: str,
        emit: Emit,
        options: TurnOptions,
        meter: UsageMeter | None = None,
    ) -> None:
        """Keep what the turn works with."""
        self.conversation = conversation
        self.provider = provider
        self.executor = executor
        self.model = model
        self.emit = emit
        self.options = options
        self.max_steps = options.max_steps
        self.output_limit = options.output_limit
        self.steps = 0
        self.meter = meter if meter is not None else UsageMeter()
        self.fixes = FixTracker(options.max_fix_attempts)
        self.ran_cells: list[str] = []
        """Ids of the code cells this turn inserted and ran, in order."""
        self.written: list[str] = []
        """Ids of the Markdown cells this turn inserted."""
        self.start = len(conversation.messages)
        notebook = options.notebook
        self.snapshot = NotebookSnapshot(notebook) if notebook is not None else None
        self.kernel = kernel_summary(notebook.kernel_state) if notebook is not None else None
        self.mode: RequestMode = "tools"
        """The mode of the latest request (how the model is told to fix a cell)."""
        self.calibration = (0, 0)
        """(reported, estimated) prompt tokens of this turn's requests whose usage was reported."""
        self.language = notebook.language if notebook is not None else None
        self.fence = kernel_language(self.language).fence  # fenced mode and the fix flow
        self.repeats = Repeats()
        self.use_stop = True
        """Fenced requests carry FENCE_STOP until an endpoint refuses it or it stops a reply wrongly."""
        self.asked_compute = False
        self.learned_fenced = False

    def outcome(
        self,
        reason: Literal["done", "max_steps", "error", "gave_up", "question"],
        message: str | None = None,
    ) -> TurnOutcome:
        """The turn's outcome with its step count and token usage."""
        tokens, estimated = self.meter.tokens(), self.meter.estimated
        return TurnOutcome(reason, message, self.steps, tokens, estimated, self.learned_fenced)

    async def run(self, instruction: str) -> TurnOutcome:
        """Run the turn; one the model never answered leaves nothing in the model's history.

        A turn that failed or was stopped before any assistant message (a provider error, Stop
        during the first reply) would otherwise leave its instruction in front of the next one
        (consecutive user messages are merged): the model would act on a request the user saw
        fail, and perhaps gave up on. The panel still shows the turn; Retry sends it again.
        """
        turn_id = self.options.turn_id or str(self.conversation.turns + 1)
        message = {"role": "user", "content": instruction, "_turn": turn_id}
        if self.options.attached_cells:  # the builder counts it and may cut it (messages.py)
            message["_attached"] = self.options.attached_cells
        self.conversation.messages.append(message)
        self.conversation.turns += 1
        files = self.options.notebook.files if self.options.notebook is not None else []
        self.about_files = self.options.attached or names_a_file(instruction, files)
        try:
            return await self.loop()
        finally:
            turn = self.conversation.messages[self.start :]
            if not any(message.get("role") == "assistant" for message in turn):
                del self.conversation.messages[self.start :]

    async def loop(self) -> TurnOutcome:
        """Loop until the model answers without code, a limit is hit or something fails."""
        invalid_rounds = 0
        while True:
            if self.steps >= self.max_steps:
                return await self.final_answer(
                    "max_steps",
                    _(
                        "Stopped after {steps} steps, the most one turn may run. Raise the "
                        "“Max steps per turn” setting to allow more.",
                        steps=self.max_steps,
                    ),
                )
            try:
                reply = await self.ask()
            except ProviderError as exc:
                return self.outcome("error", str(exc))
            jobs = self.jobs_of(reply)
            if not jobs:
                if reply.text:
                    self.conversation.messages.append(assistant_message(reply))
                if self.follow_up(reply):
                    continue
                return self.outcome("done")
            stop = await self.run_jobs(reply, jobs)
            if stop is not None:
                return stop
            if any(job.step is not None or job.acted for job in jobs):
                invalid_rounds, self.repeats.rounds = 0, 0
                continue
            if all(job.repeat for job in jobs):
                self.repeats.rounds += 1
                if self.repeats.rounds >= 2:
                    return await self.final_answer("done")
                continue
            invalid_rounds += 1
            if invalid_rounds >= MAX_INVALID_ROUNDS:
                problem = next(job.problem for job in jobs if job.problem)
                return self.outcome(
                    "error",
                    _(
                        "The model made {count} tool calls in a row that could not be run (last: "
                        "{problem}).",
                        count=invalid_rounds,
                        problem=problem,
                    ),
                )

    def follow_up(self, reply: Reply) -> bool:
        """After a reply without code: ask once more if it was cut wrongly or left data uncomputed."""
        fenced = reply.mode == "fenced"
        if reply.misfired:
            note = cut_reply(self.fence)
        elif (
            self.options.compute_figures
            and self.about_files
            and self.steps == 0
            and not self.asked_compute
        ):
            self.asked_compute = True
            fenced = fenced or self.provider.tool_mode(self.model) == "fenced"
            note = compute_request(fenced, self.fence)
        else:
            return False
        self.conversation.messages.append({"role": "user", "content": note})
        return True

    async def final_answer(
        self, reason: Literal["done", "max_steps"], message: str | None = None
    ) -> TurnOutcome:
        """One last request without tools or code instructions; its text is the turn's answer."""
        self.conversation.messages.append(
            {"role": "user", "content": answer_request(step_cap=reason == "max_steps")}
        )
        try:
            reply = await self.stream_reply("answer")
        except ProviderError as exc:
            return self.outcome("error", str(exc))
        if reply.text:
            self.conversation.messages.append({"role": "assistant", "content": reply.text})
        return self.outcome(reason, message)

    def jobs_of(self, reply: Reply) -> list[Job]:
        """The code the reply runs; a fenced block answering a tools request marks `auto` fenced."""
        configured = self.provider.tool_mode(self.model)
        rule = code_rule(self.language, fenced=reply.mode == "fenced")
        if reply.mode == "tools" and reply.tool_calls:
            self.provider.note_tool_call(self.model)
        calls_tools = self.provider.calls_tools(self.model)
        jobs = jobs_of(reply, rule, strict_tools=configured == "tools", calls_tools=calls_tools)
        if reply.mode == "tools" and jobs and jobs[0].source == "fenced" and configured == "auto":
            self.provider.remember_fenced(self.model)
            self.learned_fenced = True
        return jobs

    async def ask(self) -> Reply:
        """Stream one reply, forwarding text as it comes; fall back to fenced mode if needed."""
        while True:
            mode = self.provider.tool_mode(self.model)
            request_mode: RequestMode = "fenced" if mode == "fenced" else "tools"
            try:
                reply = await self.stream_reply(request_mode)
            except ToolsUnsupported:
                if mode != "auto":
                    raise
                self.provider.remember_fenced(self.model)
                continue
            except ProviderError as error:
                refused_stop = error.kind == "bad_request" and "stop" in str(error)
                if request_mode != "fenced" or not self.use_stop or not refused_stop:
                    raise
                self.use_stop = False  # the endpoint refuses stop sequences: cut on receipt only
                continue
            if reply.stop_sent and not reply.cut:
                settled = settle_stop(reply.text, code_rule(self.language, fenced=True))
                if settled.appended:
                    reply.text += settled.appended
                    await self.emit({"type": "text", "delta": settled.appended})
                reply.misfired = settled.misfired
                self.use_stop = not settled.misfired
            return reply

    async def stream_reply(self, mode: RequestMode) -> Reply:
        """One request to the model in `mode`: reasoning is streamed apart from the answer, and
        a fenced reply ends at its first runnable block."""
        reply = Reply(mode, producer=self.provider.source(self.model))
        self.mode = mode
        messages = self.request(mode).messages
        tools = self.tools() if mode == "tools" else None
        cap = self.options.max_output_tokens or None
        cut = BlockCut(code_rule(self.language, fenced=True)) if mode == "fenced" else None
        reply.stop_sent = cut is not None and self.use_stop
        events = self.provider.stream(
            self.model,
            messages,
            tools,
            max_tokens=cap,
            stop=FENCE_STOP if reply.stop_sent else None,
        )
        reader = ReplyReader(reply, self.emit, cut)
        try:
            await reader.read(events)
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
            # A request that got an answer (even one cut by Stop) was billed; one refused was not.
            reported = reader.reported
            if reported is not None or reply.text or reply.tool_calls or reply.reasoning:
                calls = "".join(call.name + call.arguments_json for call in reply.tool_calls)
                self.meter.record(reported, messages, reply.reasoning + reply.text + calls)
            if reported is not None:
                estimated = estimate_messages(messages) + (self.tool_tokens if tools else 0)
                known, guessed = self.calibration
                self.calibration = (known + reported[0], guessed + estimated)
        stopped_early = cut_reply_error(reply.finish_reason, cap)
        if stopped_early is not None:
            raise stopped_early
        return reply

    @property
    def compact(self) -> bool:
        """A small context window: the short prompt, and run_code as the only tool."""
        return self.options.context_budget < COMPACT_BELOW

    def tools(self) -> list[dict[str, Any]]:
        """The tools of a tools-mode request (their descriptions in the kernel's language)."""
        schemas = tool_schemas(self.language)
        return schemas[:1] if self.compact else schemas

    @property
    def tool_tokens(self) -> int:
        """The prompt tokens `tools()` takes."""
        return COMPACT_TOOL_TOKENS if self.compact else TOOL_SCHEMA_TOKENS

    @property
    def ratio(self) -> float:
        """How far the estimate is off for this model (reported/estimated), kept in 0.5..3."""
        reported, estimated = self.calibration
        if reported <= 0 or estimated <= 0:
            return 1.0
        return min(3.0, max(0.5, reported / estimated))

    def request(self, mode: RequestMode) -> BuiltContext:
        """The messages of the next request, fitted into the budget; keeps the turn's snapshot."""
        built = build_context(
            system_prompt(
                mode,
                self.kernel,
                self.options.vision,
                compact=self.compact,
                language=self.language,
                rules=self.options.rules,
            ),
            self.conversation.messages,
            current_start=self.start,
            snapshot=self.snapshot,
            budget=self.options.context_budget,
            mode=mode,
            vision=self.options.vision,
            ratio=self.ratio,
            reserve=self.tool_tokens if mode == "tools" else 0,
            producer=self.provider.source(self.model),
            fence=self.fence,
        )
        message = self.conversation.messages[self.start]
        if built.snapshot and "_context" not in message:
            # Later turns may send it again (or drop it first when the budget is short).
            message["_context"] = built.snapshot
        return built

    async def run_jobs(self, reply: Reply, jobs: list[Job]) -> TurnOutcome | None:
        """Run the reply's jobs step by step (steps.py); the exchange is always recorded."""
        return await run_jobs(self, reply, jobs)


async def run_turn(
    conversation: Conversation,
    instruction: str,
    *,
    provider: ChatProvider,
    executor: Executor,
    model: str,
    emit: Emit,
    max_steps: int = MAX_STEPS.default,
    output_limit: int = OUTPUT_LIMIT.default,
    meter: UsageMeter | None = None,
    options: TurnOptions | None = None,
) -> TurnOutcome:
    """Run one turn of `conversation`; asyncio.CancelledError (Stop) leaves it consistent.

    `options` (if given) replaces `max_steps` and `output_limit`. `meter` (if given) counts the
    turn's tokens as they are used, so a stopped turn has them too.
    """
    if options is None:
        options = TurnOptions(max_steps=max_steps, output_limit=output_limit)
    turn = _Turn(conversation, provider, executor, model, emit, options, meter)
    return await turn.run(instruction)
