"""roles.py: every way of choosing, every way it can fail, and the menu model."""

from __future__ import annotations

import pytest

from awscli_saml_sso import roles
from awscli_saml_sso.errors import NoRoleError, RoleChoiceError
from awscli_saml_sso.models import Role
from devstack import realm


def role(account: str, name: str, provider: str = "P") -> Role:
    return Role(f"arn:aws:iam::{account}:role/{name}", f"arn:aws:iam::{account}:saml-provider/{provider}")


A_ADMIN = role("222222222222", "Admin")
A_READ = role("222222222222", "ReadOnly")
B_ADMIN = role("111111111111", "Admin")
B_DEV = role("111111111111", "Developer")
ALL = (A_ADMIN, A_READ, B_ADMIN, B_DEV)  # menu order: B_ADMIN, B_DEV, A_ADMIN, A_READ
MENU = [B_ADMIN, B_DEV, A_ADMIN, A_READ]


@pytest.mark.parametrize(
    ("kwargs", "expected", "how"),
    [
        ({"role_arn": A_READ.role_arn}, A_READ, "role-arn"),
        ({"role_arn": f"  {A_READ.role_arn}\n"}, A_READ, "role-arn"),
        ({"role_arn": A_READ.role_arn, "pattern": "Dev*", "index": 0}, A_READ, "role-arn"),  # priority
        ({"pattern": "Dev*"}, B_DEV, "pattern"),
        ({"pattern": "ReadOnly"}, A_READ, "pattern"),
        ({"pattern": "222222222222:Admin"}, A_ADMIN, "pattern"),
        ({"pattern": "1111*:Adm*"}, B_ADMIN, "pattern"),
        ({"pattern": "arn:aws:iam::111111111111:role/Admin"}, B_ADMIN, "pattern"),
        ({"pattern": "*:role/Dev*"}, B_DEV, "pattern"),
        ({"pattern": "Dev*", "index": 3, "default_arn": A_ADMIN.role_arn}, B_DEV, "pattern"),
        ({"index": 0}, B_ADMIN, "index"),
        ({"index": 3}, A_READ, "index"),
        ({"index": 2, "default_arn": A_READ.role_arn}, A_ADMIN, "index"),
        ({"default_arn": A_READ.role_arn}, A_READ, "default"),
        ({}, None, None),
    ],
)
def test_choose(kwargs, expected, how):
    result = roles.choose_role(ALL, **kwargs)
    assert (result.role, result.how, result.note) == (expected, how, None)


def test_index_follows_menu_order():
    for entry in roles.menu_entries(ALL):
        assert roles.choose_role(ALL, index=entry.index).role == entry.role
    assert [e.role for e in roles.menu_entries(ALL)] == MENU


def test_single_role():
    assert roles.choose_role((B_DEV,)) == roles.ChoiceResult(B_DEV, how="single")
    assert roles.choose_role((B_DEV, B_DEV)).role == B_DEV


def test_default_not_granted_is_ignored_with_a_note():
    result = roles.choose_role(ALL, default_arn="arn:aws:iam::999999999999:role/Gone")
    assert result.role is None
    assert "arn:aws:iam::999999999999:role/Gone" in result.note and "ignoring" in result.note
    single = roles.choose_role((B_DEV,), default_arn="arn:aws:iam::999999999999:role/Gone")
    assert single.role == B_DEV and single.how == "single" and single.note


@pytest.mark.parametrize(
    ("kwargs", "message", "hint_has", "hint_lacks"),
    [
        (
            {"role_arn": "arn:aws:iam::999999999999:role/Gone"},
            "does not grant the role",
            [A_ADMIN.role_arn, B_DEV.role_arn],
            [],
        ),
        ({"pattern": "Nope*"}, "no granted role matches 'Nope*'", [A_READ.role_arn], []),
        ({"pattern": "admin"}, "2 granted roles match 'admin'", [A_ADMIN.role_arn, B_ADMIN.role_arn], []),
        ({"pattern": "d"}, "4 granted roles match 'd'", [], []),  # a part of several names
        ({"pattern": "admin*"}, "no granted role matches", [], []),  # a glob stays case-sensitive
        ({"pattern": "Admin"}, "2 granted roles match 'Admin'", [A_ADMIN.role_arn, B_ADMIN.role_arn], [B_DEV.role_arn]),
        ({"pattern": "*"}, "4 granted roles match", [], []),
        ({"index": 4}, "--role-selection 4 is out of range", ["0=111111111111:Admin", "3=222222222222:ReadOnly"], []),
        ({"index": -1}, "out of range", [], []),
    ],
)
def test_choice_errors(kwargs, message, hint_has, hint_lacks):
    with pytest.raises(RoleChoiceError) as info:
        roles.choose_role(ALL, **kwargs)
    assert message in info.value.message
    for text in hint_has:
        assert text in info.value.hint
    for text in hint_lacks:
        assert text not in info.value.hint


def test_long_listings_are_cut():
    many = tuple(role(f"{n:012d}", f"R{n}") for n in range(100))
    with pytest.raises(RoleChoiceError) as info:
        roles.choose_role(many, role_arn="arn:aws:iam::999999999999:role/Gone")
    assert "and 85 more" in info.value.hint
    assert len(info.value.hint) < 2000


def test_same_role_through_two_providers_is_one_match():
    two = (role("111111111111", "Admin", "P1"), role("111111111111", "Admin", "P2"), B_DEV)
    assert roles.choose_role(two, pattern="Admin").role == two[0]
    assert roles.choose_role(two, role_arn=two[1].role_arn).role == two[0]


@pytest.mark.parametrize(
    "chooser",
    [
        lambda rs: roles.choose_role(rs),
        lambda rs: roles.choose_role(rs, role_arn=B_DEV.role_arn),
        lambda rs: roles.menu_entries(rs),
    ],
)
def test_no_roles(chooser):
    with pytest.raises(NoRoleError):
        chooser(())


def test_menu_labels_and_aliases():
    entries = roles.menu_entries(ALL, {"222222222222": "prod"})
    assert [e.label for e in entries] == [
        "111111111111 Admin",
        "111111111111 Developer",
        "222222222222 (prod) Admin",
        "222222222222 (prod) ReadOnly",
    ]
    assert [e.index for e in entries] == [0, 1, 2, 3]
    assert entries[2].alias == "prod" and entries[0].alias is None
    assert [e.label for e in roles.menu_entries(ALL, None)][2] == "222222222222 Admin"


def test_menu_labels_are_distinct_for_lookalikes():
    rs = (
        Role("arn:aws:iam::111111111111:role/a/Admin", "arn:aws:iam::111111111111:saml-provider/P"),
        Role("arn:aws:iam::111111111111:role/b/Admin", "arn:aws:iam::111111111111:saml-provider/P"),
        role("111111111111", "Ops", "P1"),
        role("111111111111", "Ops", "P2"),
    )
    labels = [e.label for e in roles.menu_entries(rs)]
    assert labels == [
        "111111111111 a/Admin",
        "111111111111 b/Admin",
        "111111111111 Ops via P1",
        "111111111111 Ops via P2",
    ]


def test_role_matches():
    assert roles.role_matches(B_DEV, "Dev*")
    assert roles.role_matches(B_DEV, "111111111111:*")
    assert not roles.role_matches(B_DEV, "dev*")
    assert not roles.role_matches(B_DEV, "222222222222:*")
    assert roles.role_matches(B_DEV, "developer") and roles.role_matches(B_DEV, "VELO")
    assert not roles.role_matches(B_DEV, "Admin")


DEMO_USER = Role(realm.ROLE_USER, realm.PROVIDER_ARN)
DEMO_ADMIN = Role(realm.ROLE_ADMIN, realm.PROVIDER_ARN)


@pytest.mark.parametrize(
    "typed", ["Admin", "admin", "ADMIN", "Role.Admin", "role.admin", "Adm", "*.Admin", "*:Role.Ad*"]
)
def test_a_name_matches_whole_or_as_a_unique_part_in_any_case(typed):
    """Issue 25.1. Before: ``Admin`` (README's example) matched neither Role.Admin nor anything."""
    assert roles.choose_role((DEMO_USER, DEMO_ADMIN), pattern=typed).role == DEMO_ADMIN
    entries = roles.menu_entries((DEMO_USER, DEMO_ADMIN))
    assert entries[roles.menu_match(entries, typed)].role == DEMO_ADMIN


def test_a_whole_name_wins_over_a_part_of_another():
    admin, super_admin = role("111111111111", "Admin"), role("111111111111", "SuperAdmin")
    assert roles.choose_role((super_admin, admin), pattern="admin").role == admin
    assert roles.choose_role((super_admin, admin), pattern="super").role == super_admin
    with pytest.raises(RoleChoiceError, match="2 granted roles match 'dmin'"):
        roles.choose_role((super_admin, admin), pattern="dmin")


def test_the_menu_says_when_an_answer_names_no_role():
    entries = roles.menu_entries((DEMO_USER, DEMO_ADMIN))
    with pytest.raises(RoleChoiceError) as info:
        roles.menu_match(entries, " Nope ")
    assert info.value.message == "no role matches 'Nope'"
    with pytest.raises(RoleChoiceError, match="2 roles match 'role'"):
        roles.menu_match(entries, "role")
    with pytest.raises(RoleChoiceError, match="2 roles match 'Role.*'"):
        roles.menu_match(entries, "Role.*")
