"""Keep the zh_CN catalog complete: extract UI strings, check the .po, compile the JSON.

The frontend translates through `trans.__('…')`, `trans._n(…)`, `trans._p(…)` and
`trans._np(…)` with the `jupyter_code_interp` domain; settings schemas are translated with the
same domain (see src/i18n.ts). The server's messages for people (setup card, provider errors,
how a turn ended) are wrapped in `_('…')` or `N_('…')` (jupyter_code_interp/i18n.py) and go to
the same catalog, with `{name}` placeholders. JupyterLab reads the compiled
`jupyter_code_interp/locale/<locale>/LC_MESSAGES/jupyter_code_interp.json` through the
`jupyterlab.locale` entry point, and the server reads it too. The .po next to it is the source
of truth.

    python scripts/i18n.py            # fail on missing/untranslated msgids or a stale JSON
    python scripts/i18n.py --update   # add missing msgids (empty msgstr), drop obsolete ones,
                                      # rewrite the .po and recompile the JSON

Standard library only.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "jupyter_code_interp"
LOCALES = ("zh_CN",)
CALL = re.compile(r"(?<![A-Za-z0-9$])_?trans\.(__|_n|_p|_np)\s*\(")
"""A translation call; the receiver is any name ending in `trans` (trans, this._trans...)."""
ARGUMENTS = {"__": ("msgid",), "_n": ("msgid", "plural"), "_p": ("context", "msgid")}
ARGUMENTS["_np"] = ("context", "msgid", "plural")
DYNAMIC_MARK = "i18n-dynamic"
"""A comment on the line of a call whose msgid is a variable on purpose (schema strings)."""
PLACEHOLDER = re.compile(r"%\d+|\{[A-Za-z_][A-Za-z0-9_]*\}")
"""`%1` in the panel's strings, `{name}` in the server's."""
PYTHON_MARKERS = ("_", "N_")
"""The server's translation functions (jupyter_code_interp/i18n.py)."""
SCHEMA_KEYS = ("title", "description", "jupyter.lab.setting-icon-label")
SCHEMA_DATA_KEYS = ("default", "examples", "enum", "const")
"""Schema keys holding data, not text for people (src/i18n.ts leaves them alone too)."""


@dataclass
class Message:
    """One catalog entry: its key, translation and where the source uses it."""

    msgid: str
    context: str | None = None
    plural: str | None = None
    msgstr: list[str] = field(default_factory=lambda: [""])
    fuzzy: bool = False
    references: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        """What identifies the entry: context and msgid."""
        return (self.context, self.msgid)

    @property
    def translated(self) -> bool:
        """True when every form has a non-fuzzy translation."""
        return not self.fuzzy and all(form.strip() for form in self.msgstr)


class ExtractionError(Exception):
    """A translation call whose strings cannot be extracted statically."""


# --- extraction --------------------------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def _skip_space(text: str, index: int) -> int:
    """Index of the next character that is not whitespace or a comment."""
    while index < len(text):
        if text[index].isspace():
            index += 1
        elif text.startswith("//", index):
            end = text.find("\n", index)
            index = len(text) if end == -1 else end
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            index = len(text) if end == -1 else end + 2
        else:
            break
    return index


def _string_literal(text: str, index: int) -> tuple[str, int]:
    """The value of the '…' or "…" literal starting at `index`, and the index after it."""
    quote = text[index]
    out: list[str] = []
    index += 1
    while index < len(text):
        char = text[index]
        if char == quote:
            return "".join(out), index + 1
        if char == "\n":
            break
        if char == "\\":
            index += 1
            escaped = text[index]
            if escaped == "u":
                if text[index + 1] == "{":
                    end = text.index("}", index)
                    out.append(chr(int(text[index + 2 : end], 16)))
                    index = end
                else:
                    out.append(chr(int(text[index + 1 : index + 5], 16)))
                    index += 4
            elif escaped == "x":
                out.append(chr(int(text[index + 1 : index + 3], 16)))
                index += 2
            elif escaped == "\n":
                pass
            else:
                out.append(_ESCAPES.get(escaped, escaped))
        else:
            out.append(char)
        index += 1
    raise ExtractionError("unterminated string literal")


def _literal_argument(text: str, index: int) -> tuple[str, int]:
    """A string argument (literals joined by `+`) at `index`, and the index after it."""
    parts: list[str] = []
    while True:
        index = _skip_space(text, index)
        char = text[index] if index < len(text) else ""
        if char == "`":
            raise ExtractionError("template literal used as a msgid (use a '…' string and %1)")
        if char not in ("'", '"'):
            raise ExtractionError("msgid is not a string literal")
        value, index = _string_literal(text, index)
        parts.append(value)
        index = _skip_space(text, index)
        if index < len(text) and text[index] == "+":
            index += 1
            continue
        return "".join(parts), index


def extract_source(text: str, origin: str) -> tuple[list[Message], list[str]]:
    """Messages used by one TS/TSX file, and problems (`origin:line: why`)."""
    messages: list[Message] = []
    problems: list[str] = []
    for match in CALL.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        where = f"{origin}:{line}"
        line_text = text.splitlines()[line - 1]
        values: dict[str, str] = {}
        index = match.end()
        try:
            for position, name in enumerate(ARGUMENTS[match.group(1)]):
                if position:
                    index = _skip_space(text, index)
                    if index >= len(text) or text[index] != ",":
                        raise ExtractionError(f"expected a '{name}' argument")
                    index += 1
                values[name], index = _literal_argument(text, index)
        except ExtractionError as error:
            if DYNAMIC_MARK not in line_text:
                problems.append(f"{where}: {error}")
            continue
        messages.append(
            Message(
                values["msgid"],
                context=values.get("context"),
                plural=values.get("plural"),
                references=[origin],
            )
        )
    return messages, problems


def extract_python(text: str, origin: str) -> tuple[list[Message], list[str]]:
    """Messages one server module wraps in `_()` or `N_()`, and problems (`origin:line: why`)."""
    found: list[tuple[int, Message]] = []
    problems: list[str] = []
    lines = text.splitlines()
    for node in ast.walk(ast.parse(text)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id not in PYTHON_MARKERS:
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append((node.lineno, Message(first.value, references=[origin])))
        elif isinstance(first, ast.Name) and first.id.isupper():
            continue  # a module constant: collected where it is defined, in `N_(…)`
        elif DYNAMIC_MARK not in lines[node.lineno - 1]:
            problems.append(f"{origin}:{node.lineno}: msgid is not a string literal")
    found.sort(key=lambda item: item[0])  # source order (ast.walk is breadth-first)
    return [message for _, message in found], problems


def _schema_strings(node: object) -> list[str]:
    """Titles, descriptions and the icon label of a settings schema, in document order."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in SCHEMA_DATA_KEYS:
                continue
            if key in SCHEMA_KEYS and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_schema_strings(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_schema_strings(item))
    return found


def extract(root: Path = ROOT) -> tuple[list[Message], list[str]]:
    """All messages of src/**/*.ts(x) (tests excluded), schema/*.json and the server's modules."""
    merged: dict[tuple[str | None, str], Message] = {}
    problems: list[str] = []
    sources = sorted((root / "src").rglob("*.ts")) + sorted((root / "src").rglob("*.tsx"))
    for path in sorted(sources):
        if "__tests__" in path.parts or path.name.endswith(".d.ts"):
            continue
        found, trouble = extract_source(path.read_text("utf-8"), str(path.relative_to(root)))
        problems.extend(trouble)
        for message in found:
            _merge(merged, message)
    for path in sorted((root / "schema").glob("*.json")):
        origin = str(path.relative_to(root))
        for value in _schema_strings(json.loads(path.read_text("utf-8"))):
            _merge(merged, Message(value, references=[origin]))
    for path in sorted((root / DOMAIN).rglob("*.py")):
        found, trouble = extract_python(path.read_text("utf-8"), str(path.relative_to(root)))
        problems.extend(trouble)
        for message in found:
            _merge(merged, message)
    return list(merged.values()), problems


def _merge(merged: dict[tuple[str | None, str], Message], message: Message) -> None:
    """Add `message`, or its references to the entry with the same key."""
    known = merged.get(message.key)
    if known is None:
        merged[message.key] = message
    else:
        known.references.extend(r for r in message.references if r not in known.references)


# --- .po files ---------------------------------------------------------------------------------


def _po_unquote(line: str) -> str:
    """The value of one quoted .po string."""
    value: str = json.loads(line)
    return value


def _po_quote(value: str) -> str:
    """A .po string literal for `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'


def parse_po(text: str) -> tuple[str, list[Message]]:
    """The header msgstr and the entries of a .po file."""
    header = ""
    messages: list[Message] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        fields: dict[str, str] = {}
        references: list[str] = []
        fuzzy = False
        current: str | None = None
        for raw in block.splitlines():
            line = raw.strip()
            if line.startswith("#:"):
                references.extend(line[2:].split())
            elif line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                if current is None:
                    raise ValueError(f"continuation line without a keyword: {raw!r}")
                fields[current] += _po_unquote(line)
            else:
                keyword, _, rest = line.partition(" ")
                current = keyword
                fields[keyword] = _po_unquote(rest.strip())
        if "msgid" not in fields:
            continue
        if fields["msgid"] == "" and "msgctxt" not in fields:
            header = fields.get("msgstr", "")
            continue
        plural = fields.get("msgid_plural")
        if plural is None:
            msgstr = [fields.get("msgstr", "")]
        else:
            forms = sorted(k for k in fields if k.startswith("msgstr["))
            msgstr = [fields[k] for k in forms] or [""]
        messages.append(
            Message(fields["msgid"], fields.get("msgctxt"), plural, msgstr, fuzzy, references)
        )
    return header, messages


def write_po(header: str, messages: list[Message]) -> str:
    """The text of a .po file (one line per string, no wrapping)."""
    blocks = ['msgid ""\nmsgstr ""\n' + "".join(_po_quote(line) + "\n" for line in _lines(header))]
    for message in messages:
        lines = [f"#: {reference}" for reference in message.references]
        if message.fuzzy:
            lines.append("#, fuzzy")
        if message.context is not None:
            lines.append(f"msgctxt {_po_quote(message.context)}")
        lines.append(f"msgid {_po_quote(message.msgid)}")
        if message.plural is None:
            lines.append(f"msgstr {_po_quote(message.msgstr[0])}")
        else:
            lines.append(f"msgid_plural {_po_quote(message.plural)}")
            lines.extend(f"msgstr[{i}] {_po_quote(form)}" for i, form in enumerate(message.msgstr))
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def _lines(header: str) -> list[str]:
    """The header split after each newline, as .po files store it."""
    return [line for line in re.split(r"(?<=\n)", header) if line]


def _header_field(header: str, name: str, default: str) -> str:
    """One `Name: value` field of a .po header."""
    for line in header.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return default


def compile_json(header: str, messages: list[Message], locale: str) -> dict[str, object]:
    """The jed-like catalog JupyterLab loads (only translated entries)."""
    project = _header_field(header, "Project-Id-Version", DOMAIN)
    catalog: dict[str, object] = {
        "": {
            "domain": DOMAIN,
            "language": locale.replace("_", "-"),
            "plural_forms": _header_field(header, "Plural-Forms", "nplurals=1; plural=0;"),
            "version": project.rpartition(" ")[2] or project,
        }
    }
    for message in messages:
        if not message.translated:
            continue
        key = message.msgid if message.context is None else f"{message.context}\x04{message.msgid}"
        forms = list(message.msgstr)
        if message.plural is not None and len(forms) < 2:
            # @jupyterlab/translation tells plural entries from singular ones by length.
            forms.append("")
        catalog[key] = forms
    return catalog


def catalog_paths(locale: str, root: Path = ROOT) -> tuple[Path, Path]:
    """The .po and .json of a locale."""
    base = root / DOMAIN / "locale" / locale / "LC_MESSAGES" / DOMAIN
    return base.with_suffix(".po"), base.with_suffix(".json")


def json_text(catalog: dict[str, object]) -> str:
    """The JSON file's text (stable, readable, UTF-8)."""
    return json.dumps(catalog, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


# --- check and update --------------------------------------------------------------------------


def check_locale(locale: str, found: list[Message], root: Path = ROOT) -> list[str]:
    """Problems of one locale's catalog against the extracted messages."""
    po_path, json_path = catalog_paths(locale, root)
    if not po_path.is_file():
        return [f"{po_path.relative_to(root)} is missing"]
    header, entries = parse_po(po_path.read_text("utf-8"))
    known = {entry.key: entry for entry in entries}
    problems = []
    for message in found:
        entry = known.get(message.key)
        label = _label(message)
        if entry is None:
            problems.append(f"{locale}: missing {label} ({', '.join(message.references)})")
        elif not entry.translated:
            problems.append(f"{locale}: untranslated {label}")
        elif (entry.plural is None) != (message.plural is None):
            problems.append(f"{locale}: {label} is plural in one place and not in the other")
        else:
            for form in entry.msgstr:
                if sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(entry.msgid)):
                    problems.append(f"{locale}: placeholders differ in the translation of {label}")
    expected = json_text(compile_json(header, entries, locale))
    if not json_path.is_file() or json_path.read_text("utf-8") != expected:
        problems.append(f"{json_path.relative_to(root)} is out of date: run with --update")
    return problems


def _label(message: Message) -> str:
    """How a message is named in problem reports."""
    context = f" [context {message.context!r}]" if message.context is not None else ""
    return json.dumps(message.msgid, ensure_ascii=False) + context


def update_locale(locale: str, found: list[Message], root: Path = ROOT) -> list[str]:
    """Add missing msgids, drop obsolete ones, refresh references, recompile the JSON."""
    po_path, json_path = catalog_paths(locale, root)
    header, entries = (
        parse_po(po_path.read_text("utf-8")) if po_path.is_file() else (_new_header(locale), [])
    )
    wanted = {message.key: message for message in found}
    kept = [entry for entry in entries if entry.key in wanted]
    dropped = [_label(entry) for entry in entries if entry.key not in wanted]
    have = {entry.key for entry in kept}
    for entry in kept:
        entry.references = wanted[entry.key].references
    kept.extend(
        Message(m.msgid, m.context, m.plural, [""], references=m.references)
        for m in found
        if m.key not in have
    )
    po_path.parent.mkdir(parents=True, exist_ok=True)
    po_path.write_text(write_po(header, kept), "utf-8")
    json_path.write_text(json_text(compile_json(header, kept, locale)), "utf-8")
    return [f"{locale}: dropped obsolete {label}" for label in dropped]


def _new_header(locale: str) -> str:
    """The header of a new catalog."""
    return (
        f"Project-Id-Version: {DOMAIN} 0.1.0\nLanguage: {locale}\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n"
        "Plural-Forms: nplurals=1; plural=0;\n"
    )


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    """Check (exit 1 on problems) or update the catalogs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="add missing msgids, recompile")
    args = parser.parse_args(argv)
    found, problems = extract(root)
    for locale in LOCALES:
        if args.update:
            for note in update_locale(locale, found, root):
                print(note)
        problems.extend(check_locale(locale, found, root))
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"i18n: {len(found)} UI strings, {len(problems)} problem(s).")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
