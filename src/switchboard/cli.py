"""The `switchboard` command.

One function per subcommand (`_check_config`, `_flow_schema`, `_hash_password`,
`_demo`), each registered by an `_add_*` function that declares its arguments; `main`
only parses and dispatches, so `serve` and `dial` slot in the same way. Every subcommand returns
its exit status: 0 success, 1 the input was refused (bad configuration, empty
password), 2 wrong usage. A configuration problem is printed as
`FILE:LINE: PATH: MESSAGE`, never as a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO, TypeAlias

from switchboard import __version__
from switchboard.config.errors import ConfigError
from switchboard.config.loader import load_tenant
from switchboard.config.model import Tenant
from switchboard.config.passwords import hash_password, sip_credentials
from switchboard.config.summary import describe_tenant
from switchboard.flows.json_schema import flow_schema_text
from switchboard.runtime.serve import ServeOptions, parse_listen, parse_port_range
from switchboard.runtime.serve import run as serve_run

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
    _add_flow_schema(commands)
    _add_hash_password(commands)
    _add_serve(commands)
    _add_demo(commands)
    _add_dial(commands)
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


def _add_flow_schema(commands: _Commands) -> None:
    command = commands.add_parser(
        "flow-schema",
        help="print the JSON Schema of a Smart Routing flow document",
        description=(
            "Print the JSON Schema of a Smart Routing flow document, for editors that "
            "complete and check YAML as it is typed. The repository's copy is made with "
            "`switchboard flow-schema > schemas/flow.schema.json`."
        ),
    )
    command.set_defaults(handler=_flow_schema)


def _flow_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(flow_schema_text())
    return 0


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


def _add_serve(commands: _Commands) -> None:
    command = commands.add_parser(
        "serve",
        help="run the call server",
        description="Run the call server: SIP for customers, trunks and agents' phones, "
        "RTP media, and the REST + WebSocket API. SIGTERM or Ctrl-C stops it gracefully.",
    )
    command.add_argument("--config", required=True, help="tenant configuration file")
    _add_server_options(command, database="sqlite:///var/switchboard.db")
    command.set_defaults(handler=_serve)


def _add_server_options(command: argparse.ArgumentParser, *, database: str) -> None:
    command.add_argument(
        "--sip-listen", default="127.0.0.1:5060", metavar="HOST:PORT", help="default: %(default)s"
    )
    command.add_argument(
        "--http-listen", default="127.0.0.1:8080", metavar="HOST:PORT", help="default: %(default)s"
    )
    command.add_argument("--database", default=database, metavar="URL", help="default: %(default)s")
    command.add_argument(
        "--recordings", default="var/recordings", metavar="DIR", help="default: %(default)s"
    )
    command.add_argument(
        "--rtp-ports", default="30000-30999", metavar="LOW-HIGH", help="default: %(default)s"
    )
    command.add_argument(
        "--grace",
        type=float,
        default=30.0,
        metavar="S",
        help="on shutdown, how long calls in progress may go on (default: %(default)s)",
    )
    command.add_argument(
        "--webrtc-address",
        action="append",
        metavar="ADDR",
        help="an address the Banner softphones reach the server at (repeat for more; "
        "default: every interface but loopback)",
    )
    command.add_argument(
        "--softphone-workers",
        type=int,
        default=1,
        metavar="N",
        help="processes for the Banner softphones, each agent in a call costs about 5 %% "
        "of a core there; 0 runs them in the server's process (default: %(default)s)",
    )


def _workers(count: int) -> int:
    if not 0 <= count <= 64:
        raise ValueError(f"--softphone-workers {count}: give 0 to 64 processes")
    return count


def _serve_options(args: argparse.Namespace) -> ServeOptions | None:
    try:
        return ServeOptions(
            config_path=Path(args.config),
            sip=parse_listen(args.sip_listen, 5060),
            http=parse_listen(args.http_listen, 8080),
            database=args.database,
            recordings=Path(args.recordings),
            rtp_ports=parse_port_range(args.rtp_ports),
            grace=args.grace,
            webrtc_addresses=tuple(args.webrtc_address) if args.webrtc_address else None,
            softphone_workers=_workers(args.softphone_workers),
        )
    except ValueError as error:
        print(f"switchboard: {error}", file=sys.stderr)
        return None


def _serve(args: argparse.Namespace) -> int:
    tenant = _load(args.config)
    options = _serve_options(args)
    if tenant is None or options is None:
        return 1 if tenant is None else 2
    return serve_run(tenant, options)


def _add_demo(commands: _Commands) -> None:
    command = commands.add_parser(
        "demo",
        help="run the demo contact center (Acme Energy)",
        description="Serve the demo tenant with SQLite under ./var, and print how to log "
        "in and how to call in.",
    )
    command.add_argument(
        "--config",
        default="examples/demo.yaml",
        help="tenant configuration file (default: %(default)s)",
    )
    _add_server_options(command, database="sqlite:///var/switchboard.db")
    command.add_argument(
        "--check", action="store_true", help="only check the configuration and summarise it"
    )
    command.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    tenant = _load(args.config)
    if tenant is None:
        return 1
    summary = describe_tenant(tenant)
    if args.check:
        for line in summary:
            print(line)
        return 0
    options = _serve_options(args)
    if options is None:
        return 2
    host, port = options.http
    sip_host, sip_port = options.sip
    numbers = [n.number for n in tenant.inbound_numbers]
    banner = [
        *summary,
        "",
        f"Banner:      http://{host}:{port}/ (the agents' web desktop)",
        f"API:         http://{host}:{port}/docs",
        "Logins:      each agent's login, password = login + '-demo' (alice / alice-demo)",
        f"Call in:     switchboard dial {numbers[0] if numbers else '1001'} "
        f"--server {sip_host}:{sip_port}",
        *(
            f"IVR:         switchboard dial {n.number} --dtmf 1 --server {sip_host}:{sip_port}"
            f" (Smart Routing flow {n.flow!r})"
            for n in tenant.inbound_numbers
            if n.flow is not None
        ),
        f"SIP phones:  register the agent's extension at {sip_host}:{sip_port} "
        "(digest user = extension, password = login + '-demo')",
        "",
    ]
    return serve_run(tenant, options, banner=banner)


def _add_dial(commands: _Commands) -> None:
    command = commands.add_parser(
        "dial",
        help="place one test call",
        description=(
            "Call NUMBER at a SIP server with Switchboard's own SIP stack: play a WAV "
            "(or a 440 Hz tone) once answered, send DTMF, print the DTMF heard, hang up "
            "after --duration. Exit status: 0 answered, 1 refused or not answered, "
            "2 wrong usage."
        ),
    )
    command.add_argument("number", metavar="NUMBER", help="the number to call, e.g. 3001")
    command.add_argument(
        "--server",
        default="127.0.0.1:5060",
        metavar="HOST:PORT",
        help="the SIP server to call through, over UDP (default: %(default)s)",
    )
    command.add_argument(
        "--dtmf", default="", metavar="DIGITS", help="DTMF digits to send (RFC 4733) once answered"
    )
    command.add_argument(
        "--dtmf-delay",
        type=float,
        default=1.0,
        metavar="S",
        help="seconds between the answer and the DTMF (default: %(default)s)",
    )
    command.add_argument(
        "--play", metavar="FILE", help="a WAV file to play (default: a 440 Hz tone)"
    )
    command.add_argument(
        "--duration",
        type=float,
        default=10.0,
        metavar="S",
        help="seconds after the answer before hanging up (default: %(default)s)",
    )
    command.add_argument(
        "--from",
        dest="caller",
        default="+33100000000",
        metavar="NUMBER",
        help="the calling number (default: %(default)s)",
    )
    command.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for an answer (default: %(default)s)",
    )
    command.set_defaults(handler=_dial)


def _dial(args: argparse.Namespace) -> int:
    # Imported here: the SIP stack and media engine load only for the command using them.
    import asyncio
    from pathlib import Path

    from switchboard.runtime.dialer import DialError, dial

    try:
        result = asyncio.run(
            dial(
                args.number,
                server=args.server,
                caller=args.caller,
                dtmf=args.dtmf,
                dtmf_delay=args.dtmf_delay,
                play=None if args.play is None else Path(args.play),
                duration=args.duration,
                timeout=args.timeout,
            )
        )
    except DialError as error:
        print(f"switchboard dial: {error}", file=sys.stderr)
        return 2
    return result.exit_status


if __name__ == "__main__":
    sys.exit(main())
