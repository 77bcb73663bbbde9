"""`jupyter code-interp bench`: how well a model does data analysis here, on this machine.

    jupyter code-interp bench [--model M] [--provider P] [--tasks builtin|PATH] [--seed N]
        [--baseline oneshot] [--limit N] [--jobs N] [--out DIR] [--resume]
        [--max-steps N] [--timeout SECONDS]
    jupyter code-interp bench dabench --questions Q.jsonl --labels L.jsonl --tables DIR [...]

Exit codes: 0 the run finished (whatever the scores), 1 the model cannot be used, 2 bad
arguments or no usable task, 130 interrupted (`--resume` continues).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..providers.choosing import ChoiceError, NoModel, checked_choice
from ..providers.client import ProviderError
from ..services import build_services
from .builtin import write_builtin
from .dabench import read_dabench
from .datasets import DEFAULT_SEED
from .report import Progress, Scorecard
from .runner import Model, ResultsFile, run_loop_task, run_oneshot_task
from .tasks import Problem, Task, read_tasks

if TYPE_CHECKING:
    from ..config import CodeInterpreter

EXIT_DONE, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_TIMEOUT = 600.0
"""Seconds one task may take (kernel start, every step and the answer)."""


class BenchUsageError(Exception):
    """Bad arguments or an unusable output folder; the message is shown as one line."""


def add_bench_parser(commands: Any) -> None:
    """The `bench` subcommand of `jupyter code-interp`."""
    bench = commands.add_parser(
        "bench",
        help="measure a model on data-analysis tasks",
        description="Run data-analysis tasks through the code interpreter's loop, each in a "
        "fresh folder and kernel, and score the answers.",
    )
    bench.add_argument(
        "suite",
        nargs="?",
        choices=["dabench"],
        metavar="dabench",
        help="run InfiAgent-DABench's own files instead of the built-in tasks",
    )
    bench.add_argument("--model", help="model id (default: c.CodeInterpreter.default_model)")
    bench.add_argument("--provider", help="provider name from c.CodeInterpreter.providers")
    bench.add_argument(
        "--tasks", default="builtin", help="builtin (generated here) or a tasks .jsonl file"
    )
    bench.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the builtin data")
    bench.add_argument(
        "--baseline", choices=["oneshot"], help="also ask the model once, without running code"
    )
    bench.add_argument("--limit", type=int, help="run only the first N tasks")
    bench.add_argument("--jobs", type=int, default=1, help="tasks run at once (default 1)")
    bench.add_argument("--out", type=Path, help="results folder (default: a new dated folder)")
    bench.add_argument("--resume", action="store_true", help="continue the run in --out")
    bench.add_argument("--max-steps", type=int, help="cells per task (default: config, 10)")
    bench.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds per task (default {DEFAULT_TIMEOUT:g})",
    )
    bench.add_argument("--questions", type=Path, help="dabench: the questions .jsonl")
    bench.add_argument("--labels", type=Path, help="dabench: the labels .jsonl")
    bench.add_argument("--tables", type=Path, help="dabench: the folder of CSV tables")


def check_arguments(arguments: argparse.Namespace) -> None:
    """Refuse contradictory or out-of-range arguments with BenchUsageError."""
    for name in ("limit", "jobs", "max_steps"):
        value = getattr(arguments, name)
        if value is not None and value < 1:
            raise BenchUsageError(f"--{name.replace('_', '-')} must be at least 1.")
    if arguments.timeout <= 0:
        raise BenchUsageError("--timeout must be more than 0 seconds.")
    dabench = [arguments.questions, arguments.labels, arguments.tables]
    if arguments.suite == "dabench":
        if None in dabench:
            raise BenchUsageError("dabench needs --questions, --labels and --tables.")
        if arguments.tasks != "builtin":
            raise BenchUsageError("dabench reads its own files: leave --tasks out.")
    elif any(value is not None for value in dabench):
        raise BenchUsageError("--questions, --labels and --tables belong to `bench dabench`.")
    if arguments.resume and arguments.out is None:
        raise BenchUsageError("--resume needs --out, the folder of the run to continue.")


def load_tasks(arguments: argparse.Namespace, out: Path) -> tuple[list[Task], list[Problem]]:
    """The tasks to run and the input lines skipped, from the suite the arguments name."""
    if arguments.suite == "dabench":
        return read_dabench(arguments.questions, arguments.labels, arguments.tables)
    if arguments.tasks == "builtin":
        return read_tasks(write_builtin(out / "data", arguments.seed))
    return read_tasks(Path(arguments.tasks))


def describe_source(arguments: argparse.Namespace) -> dict[str, Any]:
    """What was run, for run.json (a resumed run must run the same)."""
    if arguments.suite == "dabench":
        paths = (arguments.questions, arguments.labels, arguments.tables)
        return {"suite": "dabench", "files": [str(path.resolve()) for path in paths]}
    if arguments.tasks == "builtin":
        return {"suite": "builtin", "seed": arguments.seed}
    return {"suite": "tasks", "file": str(Path(arguments.tasks).resolve())}


def open_out(arguments: argparse.Namespace, meta: dict[str, Any]) -> Path:
    """The results folder: new, or (with --resume) one whose run.json matches this run."""
    out = arguments.out or Path("code-interp-bench") / time.strftime("%Y%m%d-%H%M%S")
    run_file = out / "run.json"
    if arguments.resume:
        if not run_file.is_file():
            raise BenchUsageError(f"{out} holds no bench run to resume (no run.json).")
        before = json.loads(run_file.read_text(encoding="utf-8"))
        if before != meta:
            raise BenchUsageError(
                f"{out} holds a run of {before.get('provider')}/{before.get('model')} on "
                f"{before.get('source')}; resume it with the same arguments or use another --out."
            )
        return out
    if (out / "results.jsonl").exists():
        raise BenchUsageError(f"{out} already has results: add --resume or choose another --out.")
    out.mkdir(parents=True, exist_ok=True)
    run_file.write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


async def run_units(
    units: list[tuple[Task, str]],
    out: Path,
    model: Model,
    arguments: argparse.Namespace,
    results: ResultsFile,
    progress: Progress,
) -> None:
    """Run every (task, mode), `--jobs` at a time; on cancel, wait for the running ones to stop."""
    gate = asyncio.Semaphore(arguments.jobs)

    async def one(task: Task, mode: str) -> None:
        async with gate:
            if mode == "loop":
                result = await run_loop_task(
                    task,
                    out / "tasks",
                    model,
                    timeout=arguments.timeout,
                    max_steps=arguments.max_steps,
                )
            else:
                result = await run_oneshot_task(
                    task, out / "oneshot", model, timeout=arguments.timeout
                )
            results.append(result)
            progress.finished(result)

    running = [asyncio.ensure_future(one(task, mode)) for task, mode in units]
    try:
        await asyncio.gather(*running)
    finally:
        for future in running:
            future.cancel()
        await asyncio.gather(*running, return_exceptions=True)  # kernels shut down


async def run_bench(arguments: argparse.Namespace, settings: CodeInterpreter) -> int:
    """The whole run: tasks, model, units, results, scorecard; returns the exit code."""
    check_arguments(arguments)
    registry = build_services(settings, persist=False).registry
    try:
        choice = await checked_choice(registry, arguments.provider, arguments.model)
    except NoModel:
        raise  # a ProviderError: main() says it and exits 1
    except ChoiceError as error:
        raise BenchUsageError(str(error)) from None
    meta = {
        "provider": choice.provider,
        "model": choice.model,
        "source": describe_source(arguments),
        "baseline": arguments.baseline,
    }
    out = arguments.out = open_out(arguments, meta)
    tasks, problems = load_tasks(arguments, out)
    for skipped in problems:
        print(f"warning: {skipped}", file=sys.stderr)
    tasks = tasks[: arguments.limit] if arguments.limit else tasks
    if not tasks:
        print("error: no usable task.", file=sys.stderr)
        return EXIT_USAGE
    results = ResultsFile(out / "results.jsonl")
    wanted = {task.id for task in tasks}
    earlier = [r for r in results.load() if r.id in wanted]
    done = {(result.id, result.mode) for result in earlier}
    modes = ["loop"] + (["oneshot"] if arguments.baseline else [])
    units = [(t, mode) for t in tasks for mode in modes if (t.id, mode) not in done]
    print(
        f"bench: {len(tasks)} tasks × {len(modes)} mode(s) with {choice.provider}/{choice.model}"
        f"; {len(units)} to run, results in {out}",
        file=sys.stderr,
    )
    progress = Progress(len(units), arguments.jobs)
    try:
        provider = await registry.client(choice.provider)
        progress.show()
        model = Model(settings, choice, provider)
        await run_units(units, out, model, arguments, results, progress)
    finally:
        progress.close()
        await registry.aclose()
        title = f"{meta['provider']}/{meta['model']} on {describe(meta['source'])}"
        card = Scorecard(earlier + progress.done, problems, title)
        card.sub_answers = arguments.suite == "dabench"
        (out / "report.md").write_text(card.markdown(), encoding="utf-8")
        print(card.text())
        print(f"results: {out / 'results.jsonl'}; report: {out / 'report.md'}")
    return EXIT_DONE


def main(arguments: argparse.Namespace, settings: CodeInterpreter) -> int:
    """Run `bench` and map its failures to exit codes and one-line messages."""
    try:
        return asyncio.run(run_bench(arguments, settings))
    except BenchUsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ProviderError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(
            "error: interrupted; the kernels were shut down and finished tasks kept. Continue "
            f"with: jupyter code-interp bench ... --resume --out {arguments.out}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def describe(source: dict[str, Any]) -> str:
    """The task source in words."""
    if source["suite"] == "builtin":
        return f"the built-in tasks (seed {source['seed']})"
    if source["suite"] == "dabench":
        return "InfiAgent-DABench"
    return Path(source["file"]).name
