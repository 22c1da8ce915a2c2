"""The `switchboard` command.

One function per subcommand (`_check_config`, `_hash_password`, `_demo`), each
registered by an `_add_*` function that declares its arguments; `main` only parses
and dispatches, so `serve` and `dial` slot in the same way. Every subcommand returns
its exit status: 0 success, 1 the input was refused (bad configuration, empty
password), 2 wrong usage. A configuration problem is printed as
`FILE:LINE: PATH: MESSAGE`, never as a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from typing import TextIO, TypeAlias

from switchboard import __version__
from switchboard.config.errors import ConfigError
from switchboard.config.loader import load_tenant
from switchboard.config.model import Tenant
from switchboard.config.passwords import hash_password, sip_credentials
from switchboard.config.summary import describe_tenant

Handler: TypeAlias = Callable[[argparse.Namespace], int]
"""A subcommand: its parsed arguments in, its exit status out."""

_Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What `add_subparsers()` returns; argparse leaves the class private."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: the process's) and return the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, or a usage error argparse already printed
        return stop.code if isinstance(stop.code, int) else 2
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:  # Ctrl-C at a prompt: stop quietly, as shells expect
        print(file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchboard",
        description="Switchboard, an open-source contact-center voice platform.",
    )
    parser.add_argument("--version", action="version", version=f"switchboard {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_check_config(commands)
    _add_hash_password(commands)
    _add_demo(commands)
    return parser


def _add_check_config(commands: _Commands) -> None:
    command = commands.add_parser(
        "check-config",
        help="check a tenant configuration file",
        description="Check a tenant configuration file: print OK, or every problem in it.",
    )
    command.add_argument("file", help="the YAML configuration file")
    command.set_defaults(handler=_check_config)


def _check_config(args: argparse.Namespace) -> int:
    tenant = _load(args.file)
    if tenant is None:
        return 1
    print("OK")
    return 0


def _load(file: str) -> Tenant | None:
    """The tenant in `file`, or None after printing its problems on stderr."""
    try:
        return load_tenant(file)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return None


def _add_hash_password(commands: _Commands) -> None:
    command = commands.add_parser(
        "hash-password",
        help="hash an agent's password for the configuration file",
        description=(
            "Print an argon2id hash of a password, to paste as an agent's password_hash. "
            "Asks twice on a terminal; reads one line from standard input with --stdin "
            "or when standard input is not a terminal."
        ),
    )
    command.add_argument(
        "--stdin", action="store_true", help="read the password from standard input"
    )
    command.add_argument(
        "--sip-extension",
        metavar="EXT",
        help="print the SIP phone credentials (digest HA1) of extension EXT instead",
    )
    command.add_argument(
        "--realm",
        default="switchboard",
        help="the SIP realm (settings.sip_realm; default: %(default)s)",
    )
    command.set_defaults(handler=_hash_password)


def _hash_password(args: argparse.Namespace) -> int:
    if args.stdin or not sys.stdin.isatty():
        password = _read_line(sys.stdin)
    else:
        try:
            password = getpass.getpass("Password: ")
            again = getpass.getpass("Password again: ")
        except EOFError:  # Ctrl-D at a prompt
            print("\nswitchboard: no password given; nothing hashed", file=sys.stderr)
            return 1
        if again != password:
            print("switchboard: the two passwords differ; nothing hashed", file=sys.stderr)
            return 1
    if not password:
        print(
            "switchboard: empty password refused; an agent's password cannot be empty",
            file=sys.stderr,
        )
        return 1
    if args.sip_extension:
        sip = sip_credentials(args.sip_extension, args.realm, password)
        print("sip:")
        print(f"  ha1_md5: {sip.ha1_md5}")
        print(f"  ha1_sha256: {sip.ha1_sha256}")
        return 0
    print(hash_password(password))
    return 0


def _read_line(stream: TextIO) -> str:
    """The first line without its line ending; spaces are part of a password."""
    return stream.readline().removesuffix("\n").removesuffix("\r")


def _add_demo(commands: _Commands) -> None:
    command = commands.add_parser(
        "demo",
        help="check the demo tenant and show what it holds",
        description="Load the demo tenant configuration and summarise it.",
    )
    command.add_argument(
        "--config",
        default="examples/demo.yaml",
        help="tenant configuration file (default: %(default)s)",
    )
    command.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    tenant = _load(args.config)
    if tenant is None:
        return 1
    for line in describe_tenant(tenant):
        print(line)
    print()
    print(
        f"Configuration {args.config} is valid. The call server arrives with issue 4; "
        "until then `switchboard demo` checks the configuration and shows this summary."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
