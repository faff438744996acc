"""Pure role choice: flags, glob patterns, the stored default, and the menu model.

Nothing here prompts: when no rule picks a role, :func:`choose_role` answers ``role=None`` and the
caller shows :func:`menu_entries` (or, without a terminal, asks for ``--role-arn``).
"""

from __future__ import annotations

import collections
import dataclasses
import fnmatch
from collections.abc import Mapping, Sequence

from .errors import NoRoleError, RoleChoiceError
from .models import Role

#: How many roles an error message lists before it says "and N more".
MAX_LISTED = 15


@dataclasses.dataclass(frozen=True)
class ChoiceResult:
    """The chosen role (``None``: show the menu), how it was chosen, and a note to show."""

    role: Role | None
    how: str | None = None  # "role-arn" | "pattern" | "index" | "default" | "single"
    note: str | None = None  # e.g. the stored default role was not granted and was ignored


@dataclasses.dataclass(frozen=True)
class MenuEntry:
    index: int  # 0-based position in the menu; what --role-selection refers to
    role: Role
    label: str  # "123456789012 (alias) RoleName"
    alias: str | None = None


def choose_role(
    roles: Sequence[Role],
    *,
    role_arn: str | None = None,
    pattern: str | None = None,
    index: int | None = None,
    default_arn: str | None = None,
) -> ChoiceResult:
    """Pick a role without asking: ``role_arn``, then ``pattern``, ``index``, ``default_arn``,
    then the only role. Raises :class:`RoleChoiceError` when an explicit choice cannot be met.

    ``index`` is ``--role-selection``: a 0-based position in the menu as this tool shows it
    (sorted by account, then role name; see :func:`menu_entries`).
    """
    if not roles:
        raise NoRoleError("the IdP granted no AWS role")
    if role_arn:
        return ChoiceResult(_by_arn(roles, role_arn), how="role-arn")
    if pattern:
        return ChoiceResult(_by_pattern(roles, pattern), how="pattern")
    if index is not None:
        return ChoiceResult(_by_index(roles, index), how="index")
    note = None
    if default_arn:
        granted = _find(roles, default_arn)
        if granted is not None:
            return ChoiceResult(granted, how="default")
        note = f"the stored default role {default_arn.strip()} is not granted by this login; ignoring it"
    if len(set(roles)) == 1:
        return ChoiceResult(roles[0], how="single", note=note)
    return ChoiceResult(None, note=note)


def _find(roles: Sequence[Role], role_arn: str) -> Role | None:
    wanted = role_arn.strip()
    return next((r for r in _ordered(roles) if r.role_arn == wanted), None)


def _by_arn(roles: Sequence[Role], role_arn: str) -> Role:
    found = _find(roles, role_arn)
    if found is None:
        raise RoleChoiceError(
            f"the IdP does not grant the role {role_arn.strip()}",
            hint=f"granted: {_listing(_ordered(roles))}",
        )
    return found


GLOB_CHARS = frozenset("*?[")


def is_glob(pattern: str) -> bool:
    return any(c in GLOB_CHARS for c in pattern)


def role_matches(role: Role, pattern: str) -> bool:
    """A glob (``*``, ``?``, ``[``): case-sensitive against ``Name``, ``account:Name`` and the role
    ARN. A plain word: one of those exactly, or any part of the role's name in any case
    (``admin`` → ``Role.Admin``), so a name typed as people say it finds the role."""
    candidates = (role.name, f"{role.account_id}:{role.name}", role.role_arn)
    if is_glob(pattern):
        return any(fnmatch.fnmatchcase(text, pattern) for text in candidates)
    return pattern in candidates or pattern.casefold() in role.name.casefold()


def _whole(role: Role, pattern: str) -> bool:
    """A plain word naming the role whole (not a part of its name): it wins over part matches."""
    return pattern in (role.name, f"{role.account_id}:{role.name}", role.role_arn) or (
        pattern.casefold() == role.name.casefold()
    )


def matching(roles: Sequence[Role], pattern: str) -> list[Role]:
    """The roles ``pattern`` names, one per ARN, in menu order; when a plain word names some
    whole and is only a part of others' names (``Admin`` with ``Admin`` and ``SuperAdmin``),
    only the whole ones."""
    found = _unique_arns([r for r in _ordered(roles) if role_matches(r, pattern)])
    if len(found) > 1 and not is_glob(pattern):
        whole = [r for r in found if _whole(r, pattern)]
        return whole or found
    return found


def _by_pattern(roles: Sequence[Role], pattern: str) -> Role:
    ordered = _ordered(roles)
    matches = matching(roles, pattern)
    if not matches:
        raise RoleChoiceError(
            f"no granted role matches {pattern!r}",
            hint=f"available: {_listing(ordered)}",
        )
    if len(matches) > 1:
        raise RoleChoiceError(
            f"{len(matches)} granted roles match {pattern!r}; it must match one",
            hint=f"matches: {_listing(matches)} — use a narrower pattern or --role-arn",
        )
    return matches[0]


def _unique_arns(roles: list[Role]) -> list[Role]:
    """One entry per role ARN: a role trusted through two providers is still one role."""
    seen: dict[str, Role] = {}
    for role in roles:
        seen.setdefault(role.role_arn, role)
    return list(seen.values())


def _by_index(roles: Sequence[Role], index: int) -> Role:
    ordered = _ordered(roles)
    if not 0 <= index < len(ordered):
        menu = ", ".join(f"{i}={r.account_id}:{r.name}" for i, r in enumerate(ordered[:MAX_LISTED]))
        more = f", ... ({len(ordered)} in all)" if len(ordered) > MAX_LISTED else ""
        raise RoleChoiceError(
            f"--role-selection {index} is out of range: the IdP granted {len(ordered)} role(s), numbered from 0",
            hint=f"roles: {menu}{more}",
        )
    return ordered[index]


def _sort_key(role: Role) -> tuple[str, str, str, str]:
    return (role.account_id, role.name, role.role_arn, role.principal_arn)


def _ordered(roles: Sequence[Role]) -> list[Role]:
    """The menu order: account, then role name; duplicates dropped."""
    return sorted(set(roles), key=_sort_key)


def _listing(roles: Sequence[Role]) -> str:
    shown = ", ".join(r.role_arn for r in roles[:MAX_LISTED])
    if len(roles) > MAX_LISTED:
        shown += f", and {len(roles) - MAX_LISTED} more"
    return shown


def menu_entries(roles: Sequence[Role], aliases: Mapping[str, str] | None = None) -> list[MenuEntry]:
    """The interactive menu: sorted by account then role name, labelled ``account (alias) Name``.

    Two entries that would read the same (same name under two paths, or one role through two
    providers) show the role's path, then the provider, so every label is distinct.
    """
    if not roles:
        raise NoRoleError("the IdP granted no AWS role")
    aliases = aliases or {}
    ordered = _ordered(roles)
    by_name = collections.Counter((r.account_id, r.name) for r in ordered)
    by_arn = collections.Counter(r.role_arn for r in ordered)
    names = [_display_name(role, by_name, by_arn) for role in ordered]
    entries = []
    for i, (role, name) in enumerate(zip(ordered, names, strict=True)):
        alias = aliases.get(role.account_id) or None
        account = f"{role.account_id} ({alias})" if alias else role.account_id
        entries.append(MenuEntry(index=i, role=role, label=f"{account} {name}", alias=alias))
    return entries


def _display_name(role: Role, by_name: collections.Counter, by_arn: collections.Counter) -> str:
    if by_name[(role.account_id, role.name)] == 1:
        return role.name
    name = role.role_arn.split(":role/", 1)[-1]  # path/Name
    if by_arn[role.role_arn] > 1:
        name += f" via {role.principal_arn.rsplit('/', 1)[-1]}"
    return name


def menu_match(entries: Sequence[MenuEntry], answer: str) -> int:
    """The menu index a typed role name or glob names (as ``--role``). Naming none, or several,
    raises :class:`RoleChoiceError` saying so, so the person knows why they are asked again."""
    wanted = answer.strip()
    names = matching([e.role for e in entries], wanted)
    if not names:
        raise RoleChoiceError(f"no role matches {wanted!r}")
    matches = [e for e in entries if e.role.role_arn in {r.role_arn for r in names}]
    if len(names) > 1:
        raise RoleChoiceError(
            f"{len(matches)} roles match {wanted!r}: "
            + ", ".join(f"[{e.index}] {e.label}" for e in matches[:MAX_LISTED])
        )
    return matches[0].index
