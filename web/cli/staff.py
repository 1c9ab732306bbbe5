"""`aisle staff add|list|passwd|role|disable|enable`: the console's staff accounts."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from web.cli import CommandGroups
from web.cli.output import echo, table
from web.cli.transcripts import data_dir_option, open_store

if TYPE_CHECKING:
    from web.store import SqlTranscriptStore, StaffAccounts

# web.store.ROLES, repeated so that building the parser imports no database code.
ROLES = ("viewer", "agent", "admin")


def _password(args: argparse.Namespace) -> str | None:
    """The new password: one line of stdin with --password-stdin, else typed twice."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        echo("error: the passwords differ", err=True)
        return None
    return first


def _accounts(args: argparse.Namespace) -> tuple[SqlTranscriptStore, StaffAccounts]:
    from web.store import StaffAccounts

    store = open_store(args)
    return store, StaffAccounts(store)


def _add(args: argparse.Namespace) -> int:
    from web.store import TranscriptError

    password = _password(args)
    if password is None:
        return 2
    try:
        store, accounts = _accounts(args)
        try:
            user = accounts.add(args.email, password, args.role)
        finally:
            store.close()
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    echo(f"added {user.email} ({user.role})")
    return 0


def _list(args: argparse.Namespace) -> int:
    from web.store import TranscriptError

    try:
        store, accounts = _accounts(args)
        try:
            users = accounts.list_users()
        finally:
            store.close()
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    if not users:
        echo("no staff users yet: aisle staff add EMAIL --role admin")
        return 0
    rows = [
        [
            u.email,
            u.role,
            "disabled" if u.disabled else "active",
            u.created_at.strftime("%Y-%m-%d"),
            u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "never",
        ]
        for u in users
    ]
    echo(table(rows, ["email", "role", "status", "created", "last login"]))
    return 0


def _change(args: argparse.Namespace) -> int:
    from web.store import TranscriptError

    password = _password(args) if args.staff_command == "passwd" else None
    if args.staff_command == "passwd" and password is None:
        return 2
    try:
        store, accounts = _accounts(args)
        try:
            if args.staff_command == "passwd":
                assert password is not None
                user = accounts.set_password(args.email, password)
            elif args.staff_command == "role":
                user = accounts.set_role(args.email, args.role)
            elif args.staff_command == "disable":
                user = accounts.disable(args.email)
            else:
                user = accounts.enable(args.email)
        finally:
            store.close()
    except TranscriptError as e:
        echo(f"error: {e.message}", err=True)
        return 1
    state = "disabled" if user.disabled else "active"
    echo(f"{user.email}: {user.role}, {state}")
    return 0


def add_commands(groups: CommandGroups) -> None:
    """Add the staff account commands."""
    group = groups.root.add_parser("staff", help="staff console accounts")
    sub = group.add_subparsers(dest="staff_command", metavar="COMMAND", required=True)

    add = sub.add_parser("add", help="create a staff user")
    add.add_argument("email")
    add.add_argument("--role", choices=ROLES, default="viewer", help="default: viewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    data_dir_option(add)
    add.set_defaults(func=_add)

    lst = sub.add_parser("list", help="list staff users")
    data_dir_option(lst)
    lst.set_defaults(func=_list)

    passwd = sub.add_parser("passwd", help="set a staff user's password")
    passwd.add_argument("email")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    data_dir_option(passwd)
    passwd.set_defaults(func=_change)

    role = sub.add_parser("role", help="change a staff user's role")
    role.add_argument("email")
    role.add_argument("role", choices=ROLES)
    data_dir_option(role)
    role.set_defaults(func=_change)

    for name, text in (("disable", "stop a staff user logging in"), ("enable", "let them again")):
        p = sub.add_parser(name, help=text)
        p.add_argument("email")
        data_dir_option(p)
        p.set_defaults(func=_change)
