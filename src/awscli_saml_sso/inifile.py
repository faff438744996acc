"""Pure editing of AWS-style INI text that keeps every byte it does not have to change.

Lines are classified exactly as Python's ``configparser.RawConfigParser`` (what botocore and the
AWS CLI use) reads them: ``#``/``;`` comment lines, blank lines, ``[section]`` headers, ``key =
value`` / ``key: value`` options (keys compared lower-cased) and continuation lines (indented
deeper than their option). Only the edited section's option lines change; comments, blank lines,
order, unknown keys, other sections, line endings and the final newline (or its absence) stay.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping

from .errors import UsageError

_SPLIT = re.compile(r"(\r\n|\r|\n)")
_NONSPACE = re.compile(r"\S")
_HEADER = re.compile(r"\[(?P<header>.+)\]")  # configparser's SECTCRE: greedy, prefix match
_OPTION = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")  # configparser's OPTCRE
# Characters some INI reader could take as a line break, or that have no business in a name.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")

BLANK, COMMENT, HEADER, OPTION, CONTINUATION, JUNK = "blank", "comment", "header", "option", "cont", "junk"


@dataclasses.dataclass
class Line:
    content: str  # without the line ending
    eol: str  # "\n", "\r\n", "\r" or "" (last line without a newline)
    kind: str = BLANK
    name: str | None = None  # section name for headers, lower-cased key for options
    owner: int | None = None  # for continuation lines: index of their option line

    @property
    def indent(self) -> str:
        return self.content[: len(self.content) - len(self.content.lstrip())]


def split_lines(text: str) -> list[Line]:
    parts = _SPLIT.split(text)
    lines = [Line(c, e) for c, e in zip(parts[0::2], parts[1::2] + [""], strict=True)]
    if lines and not lines[-1].content and not lines[-1].eol:
        lines.pop()
    return lines


def scan(text: str) -> list[Line]:
    """Split ``text`` into lines and classify each as configparser would."""
    lines = split_lines(text)
    in_section, option, indent_level = False, None, 0
    for i, line in enumerate(lines):
        stripped = line.content.strip()
        if stripped.startswith(("#", ";")):
            line.kind = COMMENT
            continue
        if not stripped:
            continue  # BLANK: configparser keeps the current option open across blank lines
        level = _NONSPACE.search(line.content).start()
        if in_section and option is not None and level > indent_level:
            line.kind, line.owner = CONTINUATION, option
            continue
        indent_level = level
        header = _HEADER.match(stripped)
        if header:
            line.kind, line.name = HEADER, header.group("header")
            in_section, option = True, None
            continue
        match = _OPTION.match(stripped) if in_section else None
        if match and match.group("option"):
            line.kind, line.name = OPTION, match.group("option").rstrip().lower()
            option = i
        else:
            line.kind = JUNK  # configparser reports these; like it, keep the current option open
    return lines


def _value(line: Line) -> str:
    return _OPTION.match(line.content.strip()).group("value").strip()


def _sections(lines: list[Line]) -> Iterable[tuple[str, int, int]]:
    """``(name, header index, end index)`` of every section, in file order."""
    headers = [i for i, line in enumerate(lines) if line.kind == HEADER]
    for n, start in enumerate(headers):
        end = headers[n + 1] if n + 1 < len(headers) else len(lines)
        yield lines[start].name, start, end


def _section_values(lines: list[Line], start: int, end: int) -> dict[str, str]:
    """Values as configparser joins them: continuation and blank lines, then rstrip."""
    values: dict[str, list[str]] = {}
    current = None
    for line in lines[start + 1 : end]:
        if line.kind == OPTION:
            current = values[line.name] = [_value(line)]
        elif line.kind == CONTINUATION and current is not None:
            current.append(line.content.strip())
        elif line.kind == BLANK and current is not None:
            current.append("")
    return {key: "\n".join(parts).rstrip() for key, parts in values.items()}


def parse(text: str) -> dict[str, dict[str, str]]:
    """Every section's values (a repeated section's later keys win, as non-strict parsers do)."""
    lines = scan(text)
    result: dict[str, dict[str, str]] = {}
    for name, start, end in _sections(lines):
        result.setdefault(name, {}).update(_section_values(lines, start, end))
    return result


def get_section(text: str, section: str) -> dict[str, str] | None:
    return parse(text).get(section)


def check_name(name: str, what: str = "profile name") -> str:
    """Refuse names that could break out of their line or section: ``x]\\n[default``."""
    if not name or name != name.strip() or "[" in name or "]" in name or _FORBIDDEN.search(name):
        raise UsageError(
            f"invalid {what} {name!r}",
            hint="use letters, digits and - _ . @ + /; no brackets, line breaks or surrounding spaces",
        )
    if name == "DEFAULT":  # configparser folds [DEFAULT] into every other section
        raise UsageError(f"invalid {what} {name!r}: configparser reserves it", hint="pick another name")
    return name


def check_key(key: str) -> str:
    check_name(key, "key")
    if "=" in key or ":" in key or key.startswith(("#", ";")) or key != key.lower():
        raise UsageError(f"invalid key {key!r}", hint="keys are lower-case, without = : # ;")
    return key


def check_value(key: str, value: str) -> str:
    if not isinstance(value, str) or _FORBIDDEN.search(value) or value != value.strip():
        raise UsageError(
            f"invalid value for {key}: it contains a line break, a control character or surrounding spaces",
            hint="",
        )
    return value


def _eol(lines: list[Line]) -> str:
    return next((line.eol for line in lines if line.eol), "\n")


def set_section(text: str, section: str, values: Mapping[str, str], remove_keys: Iterable[str] = ()) -> str:
    """Return ``text`` with ``section`` holding ``values`` (created at the end if missing).

    Existing keys keep their line and position, new keys follow the section's last key,
    ``remove_keys`` go; nothing outside the section's option lines changes.
    """
    check_name(section, "section name")
    values = {check_key(k): check_value(k, v) for k, v in values.items()}
    remove = {check_key(k) for k in remove_keys} - set(values)
    lines = scan(text)
    span = next(((s, e) for name, s, e in _sections(lines) if name == section), None)
    if span is None:
        return text + _new_section(text, lines, section, values)
    start, end = span
    kept, pending = _edit_options(lines, start, end, values, remove)
    return "".join(line.content + line.eol for line in _insert(kept, section, pending, lines))


def _new_section(text: str, lines: list[Line], section: str, values: Mapping[str, str]) -> str:
    eol = _eol(lines)
    out = []
    if lines and not lines[-1].eol:
        out.append(eol)  # finish the last line first
    if lines and lines[-1].content.strip():
        out.append(eol)  # one blank line between sections
    out.append(f"[{section}]{eol}")
    out.extend(f"{key} = {value}{eol}" for key, value in values.items())
    if not text.endswith(("\n", "\r")) and text:
        out[-1] = out[-1][: -len(eol)]  # the file had no final newline: keep it that way
    return "".join(out)


def _edit_options(lines, start, end, values, remove):
    """Replace or drop the section's option lines; return the new lines and the keys not found."""
    pending = dict(values)
    dropped: set[int] = set()
    kept: list[Line] = []
    for i, line in enumerate(lines):
        if line.kind == CONTINUATION and line.owner in dropped:
            continue  # the old value's continuation lines go with it
        if start < i < end and line.kind == OPTION and (line.name in values or line.name in remove):
            dropped.add(i)
            if line.name in pending:
                line = _replaced(line, pending.pop(line.name))
            else:
                continue  # removed key, or a repeat of a key already written
        kept.append(line)
    return kept, pending


def _replaced(line: Line, value: str) -> Line:
    lead = len(line.indent)
    match = _OPTION.match(line.content.strip())
    start, end = lead + match.start("value"), lead + match.end("value")
    if start == end and line.content[start - 1 : start] in ("=", ":"):
        value = " " + value  # "key =" had no value: keep the usual spacing
    return Line(line.content[:start] + value + line.content[end:], line.eol, OPTION, line.name)


def _insert(kept: list[Line], section: str, pending: Mapping[str, str], original: list[Line]):
    """Put new keys after the section's last line of content (keys, their continuations, and lines
    configparser cannot parse), indented so that neither they nor the line after them change
    meaning: no deeper than the line before them while a key is open (they would continue it),
    no shallower than the next header (it would continue them). The section's own indent if it
    fits, else the next header's."""
    if not pending:
        return kept
    kept = scan("".join(line.content + line.eol for line in kept))  # as the kept lines now read
    header = next(i for i, line in enumerate(kept) if line.kind == HEADER and line.name == section)
    after, indent, level, key_open, floor = header, None, 0, False, ""
    for i in range(header + 1, len(kept)):
        line = kept[i]
        if line.kind == HEADER:
            floor = line.indent
            break
        if line.kind in (OPTION, CONTINUATION, JUNK):
            after = i
        if line.kind in (OPTION, JUNK):  # (a junk line keeps an open key open, as in configparser)
            level, key_open = len(line.indent), key_open or line.kind == OPTION
        if line.kind == OPTION:
            indent = line.indent
    fits = indent is not None and len(floor) <= len(indent) and (not key_open or len(indent) <= level)
    indent = indent if fits else floor
    eol = _eol(original)
    new = [Line(f"{indent}{key} = {value}", eol, OPTION, key) for key, value in pending.items()]
    if not kept[after].eol:  # inserting after a last line that had no newline
        kept[after] = dataclasses.replace(kept[after], eol=eol)
        new[-1].eol = ""
    return kept[: after + 1] + new + kept[after + 1 :]


def remove_keys(text: str, section: str, keys: Iterable[str]) -> str:
    """Return ``text`` without ``keys`` in ``section`` (``logout``); a section left with nothing
    but blank lines goes too (a comment keeps it). Every other byte stays."""
    check_name(section, "section name")
    remove = {check_key(k) for k in keys}
    lines = scan(text)
    spans = [(s, e) for name, s, e in _sections(lines) if name == section]
    if not spans:
        return text
    kept, _pending = _edit_options(lines, spans[0][0], spans[0][1], {}, remove)
    text = "".join(line.content + line.eol for line in kept)
    lines = scan(text)
    for name, start, end in _sections(lines):
        if name == section and all(line.kind == BLANK for line in lines[start + 1 : end]):
            if end == len(lines):  # the last section: the blank line that separated it goes too
                while start > 0 and lines[start - 1].kind == BLANK:
                    start -= 1
            return "".join(line.content + line.eol for line in lines[:start] + lines[end:])
    return text
