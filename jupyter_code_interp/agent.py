"""The code-interpreter loop: ask the model, run the code it wants, feed outputs back, repeat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .codeblocks import RUN_CODE_NAMES, extract_code_blocks, parse_printed_tool_calls
from .conversation import Conversation
from .executor import ExecutionResult, Executor
from .outputs import format_outputs_for_model
from .prompts import system_prompt
from .providers import (
    ChatProvider,
    ProviderError,
    TextDelta,
    ToolCallEvent,
    ToolsUnsupported,
    Usage,
    describe_arguments,
)
from .usage import UsageMeter

Emit = Callable[[dict[str, Any]], Awaitable[None]]
RequestMode = Literal["tools", "fenced"]

RUN_CODE_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "run_code",
        "description": (
            "Run Python code as a new cell in the user's Jupyter notebook, in the notebook's own "
            "kernel (variables persist between calls; %pip and other IPython magics work), and "
            "return the cell's outputs: printed text, results, errors with tracebacks, and "
            "placeholders for images."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "The Python code of one cell."}
            },
            "required": ["code"],
        },
    },
}
MAX_INVALID_ROUNDS = 3
"""Replies in a row whose tool calls could not be run before the turn gives up."""


@dataclass
class TurnOutcome:
    """How a turn ended."""

    reason: Literal["done", "max_steps", "error", "stopped"]
    message: str | None = None
    steps: int = 0
    usage: dict[str, int] = field(
        default_factory=lambda: {"promptTokens": 0, "completionTokens": 0}
    )
    usage_estimated: bool = False
    """True when some request's tokens were estimated (the provider reported no usage)."""


@dataclass
class _Reply:
    """One complete answer of the model."""

    mode: RequestMode
    text: str = ""
    tool_calls: list[ToolCallEvent] = field(default_factory=list)


@dataclass
class _Job:
    """One piece of code the model asked to run, or a tool call that cannot be run."""

    code: str = ""
    call: ToolCallEvent | None = None
    problem: str | None = None
    feedback: str | None = None
    step: int | None = None


def _tool_call_job(call: ToolCallEvent) -> _Job:
    """A job for a real tool call, with a problem set if it cannot be run."""
    if call.name not in RUN_CODE_NAMES:
        return _Job(call=call, problem=f"unknown tool '{call.name}'; the only tool is run_code")
    arguments = describe_arguments(call.arguments_json)
    if isinstance(arguments, str):
        return _Job(call=call, problem=arguments + '; call run_code with {"code": "..."}')
    code = arguments.get("code")
    if not isinstance(code, str) or not code.strip():
        return _Job(call=call, problem='the "code" argument is missing or empty')
    return _Job(code=code, call=call)


def _jobs_of(reply: _Reply) -> list[_Job]:
    """The code a reply asks to run, in order."""
    if reply.mode == "tools" and reply.tool_calls:
        return [_tool_call_job(call) for call in reply.tool_calls]
    codes = extract_code_blocks(reply.text) if reply.mode == "fenced" else []
    codes = [code for code in codes if code.strip()]
    codes += [code for code in parse_printed_tool_calls(reply.text) if code not in codes]
    return [_Job(code=code) for code in codes]


def _as_fenced(message: dict[str, Any]) -> dict[str, Any]:
    """A tools-mode message rewritten for a model that does not know tool messages."""
    if message.get("role") == "tool":
        return {"role": "user", "content": f"Output of the code you ran:\n{message['content']}"}
    if message.get("role") == "assistant" and message.get("tool_calls"):
        parts = [message.get("content") or ""]
        for call in message["tool_calls"]:
            arguments = describe_arguments(call["function"]["arguments"])
            code = arguments.get("code") if isinstance(arguments, dict) else None
            parts.append(f"```python\n{code}\n```" if isinstance(code, str) else "")
        return {"role": "assistant", "content": "\n\n".join(part for part in parts if part)}
    return message


def request_messages(messages: list[dict[str, Any]], mode: RequestMode) -> list[dict[str, Any]]:
    """The system prompt and history as sent: fenced-compatible if needed, user runs merged."""
    prepared: list[dict[str, Any]] = [{"role": "system", "content": system_prompt(mode)}]
    for message in messages:
        message = _as_fenced(message) if mode == "fenced" else message
        previous = prepared[-1]
        if (
            message.get("role") == "user"
            and previous.get("role") == "user"
            and isinstance(message.get("content"), str)
            and isinstance(previous.get("content"), str)
        ):
            # A turn that failed before the model answered leaves two user messages in a row;
            # some chat templates reject that, so they are sent as one.
            prepared[-1] = {
                **previous,
                "content": previous["content"] + "\n\n" + message["content"],
            }
        else:
            prepared.append(message)
    return prepared


class _Turn:
    """State of one running turn."""

    def __init__(
        self,
        conversation: Conversation,
        provider: ChatProvider,
        executor: Executor,
        model: str,
        emit: Emit,
        max_steps: int,
        output_limit: int,
        meter: UsageMeter | None = None,
    ) -> None:
        """Keep what the turn works with."""
        self.conversation = conversation
        self.provider = provider
        self.executor = executor
        self.model = model
        self.emit = emit
        self.max_steps = max_steps
        self.output_limit = output_limit
        self.steps = 0
        self.meter = meter if meter is not None else UsageMeter()

    def outcome(
        self, reason: Literal["done", "max_steps", "error"], message: str | None = None
    ) -> TurnOutcome:
        """The turn's outcome with its step count and token usage."""
        return TurnOutcome(reason, message, self.steps, self.meter.tokens(), self.meter.estimated)

    async def run(self, instruction: str) -> TurnOutcome:
        """Loop until the model answers without code, a limit is hit or something fails."""
        self.conversation.messages.append({"role": "user", "content": instruction})
        self.conversation.turns += 1
        invalid_rounds = 0
        while True:
            try:
                reply = await self.ask()
            except ProviderError as exc:
                return self.outcome("error", str(exc))
            jobs = _jobs_of(reply)
            if not jobs:
                if reply.text:
                    self.conversation.messages.append({"role": "assistant", "content": reply.text})
                return self.outcome("done")
            stop = await self.run_jobs(reply, jobs)
            if stop is not None:
                return stop
            if any(job.step is not None for job in jobs):
                invalid_rounds = 0
                continue
            invalid_rounds += 1
            if invalid_rounds >= MAX_INVALID_ROUNDS:
                problem = next(job.problem for job in jobs if job.problem)
                return self.outcome(
                    "error",
                    f"The model made {invalid_rounds} tool calls in a row that could not be run "
                    f"(last: {problem}).",
                )

    async def ask(self) -> _Reply:
        """Stream one reply, forwarding text as it comes; fall back to fenced mode if needed."""
        while True:
            mode = self.provider.tool_mode(self.model)
            request_mode: RequestMode = "fenced" if mode == "fenced" else "tools"
            try:
                return await self.stream_reply(request_mode)
            except ToolsUnsupported:
                if mode != "auto":
                    raise
                self.provider.remember_fenced(self.model)

    async def stream_reply(self, mode: RequestMode) -> _Reply:
        """One request to the model in `mode`."""
        reply = _Reply(mode)
        messages = request_messages(self.conversation.messages, mode)
        tools = [RUN_CODE_TOOL] if mode == "tools" else None
        events = self.provider.stream(self.model, messages, tools)
        reported: tuple[int, int] | None = None
        try:
            async for event in events:
                if isinstance(event, TextDelta):
                    reply.text += event.text
                    await self.emit({"type": "text", "delta": event.text})
                elif isinstance(event, ToolCallEvent):
                    reply.tool_calls.append(event)
                elif isinstance(event, Usage):
                    reported = (event.prompt_tokens, event.completion_tokens)
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()
            # A request that got an answer (even one cut by Stop) was billed; one refused was not.
            if reported is not None or reply.text or reply.tool_calls:
                calls = "".join(call.name + call.arguments_json for call in reply.tool_calls)
                self.meter.record(reported, messages, reply.text + calls)
        return reply

    async def execute(self, code: str) -> ExecutionResult:
        """Run code through the executor; an executor that raises counts as 'could not run'."""
        try:
            return await self.executor.execute(code)
        except Exception as exc:  # noqa: BLE001 - any executor failure must end the turn cleanly
            return ExecutionResult(
                failure=f"The code could not be run: {type(exc).__name__}: {exc}"
            )

    def feedback(self, result: ExecutionResult) -> str:
        """What the model reads about one step."""
        text = format_outputs_for_model(result.outputs, self.output_limit)
        text = "\n\n".join([text, *result.notes]) if result.notes else text
        return f"The cell raised an exception.\n{text}" if result.status == "error" else text

    async def run_jobs(self, reply: _Reply, jobs: list[_Job]) -> TurnOutcome | None:
        """Run the reply's code step by step; always record the exchange, even when stopped."""
        outcome: TurnOutcome | None = None
        not_run = "Not run: the turn was stopped before this code finished."
        try:
            for job in jobs:
                if job.problem is not None:
                    job.feedback = f"Not run: {job.problem}."
                    continue
                if self.steps >= self.max_steps:
                    outcome = self.outcome(
                        "max_steps",
                        f"Stopped after {self.max_steps} steps, the most one turn may run. "
                        "Raise the “Max steps per turn” setting to allow more.",
                    )
                    not_run = "Not run: the step limit of this turn was reached."
                    break
                self.steps += 1
                job.step = self.steps
                await self.emit({"type": "step_started", "step": job.step, "code": job.code})
                result = await self.execute(job.code)
                if result.failure is not None:
                    job.feedback = f"Could not run: {result.failure}"
                    outcome = self.outcome("error", result.failure)
                    not_run = "Not run: an earlier cell could not run."
                else:
                    job.feedback = self.feedback(result)
                error = result.error or {}
                await self.emit(
                    {
                        "type": "step_finished",
                        "step": job.step,
                        "status": result.status,
                        "ename": error.get("ename"),
                        "evalue": error.get("evalue"),
                        "executionCount": result.execution_count,
                        "cellId": result.cell_id,
                        "cellIndex": result.cell_index,
                    }
                )
                if outcome is not None:
                    break
        finally:
            for job in jobs:
                if job.feedback is None:
                    job.feedback = not_run
            self.record(reply, jobs)
        return outcome

    def record(self, reply: _Reply, jobs: list[_Job]) -> None:
        """Append the assistant message and the outputs it gets back, as a valid exchange."""
        messages = self.conversation.messages
        if jobs[0].call is not None:
            messages.append(
                {
                    "role": "assistant",
                    "content": reply.text or None,
                    "tool_calls": [
                        {
                            "id": job.call.id,
                            "type": "function",
                            "function": {
                                "name": job.call.name,
                                "arguments": job.call.arguments_json,
                            },
                        }
                        for job in jobs
                        if job.call is not None
                    ],
                }
            )
            for job in jobs:
                if job.call is not None:
                    messages.append(
                        {"role": "tool", "tool_call_id": job.call.id, "content": job.feedback}
                    )
            return
        messages.append({"role": "assistant", "content": reply.text})
        sections = []
        for number, job in enumerate(jobs, 1):
            if job.step is not None:
                sections.append(f"Output of the code you ran (step {job.step}):\n{job.feedback}")
            else:
                sections.append(f"Code {number} of your reply: {job.feedback}")
        if reply.mode == "fenced":
            sections.append(
                "Continue: write one ```python block to run more code, or answer without code "
                "when the task is done."
            )
        else:
            sections.append(
                "Next time, call the run_code tool instead of writing the call as text. "
                "Continue, or answer without code when the task is done."
            )
        messages.append({"role": "user", "content": "\n\n".join(sections)})


async def run_turn(
    conversation: Conversation,
    instruction: str,
    *,
    provider: ChatProvider,
    executor: Executor,
    model: str,
    emit: Emit,
    max_steps: int = 10,
    output_limit: int = 4000,
    meter: UsageMeter | None = None,
) -> TurnOutcome:
    """Run one turn of `conversation`; asyncio.CancelledError (Stop) leaves it consistent.

    `meter` (if given) counts the turn's tokens as they are used, so a stopped turn has them too.
    """
    turn = _Turn(conversation, provider, executor, model, emit, max_steps, output_limit, meter)
    return await turn.run(instruction)
