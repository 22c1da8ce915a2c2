"""The `switchboard` command: check-config, flow-schema, hash-password, demo."""

from __future__ import annotations

import getpass as getpass_module
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from switchboard.cli import main
from switchboard.config.passwords import verify_password

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo.yaml"
FLOW_SCHEMA = REPO / "schemas" / "flow.schema.json"
SWITCHBOARD = Path(sys.executable).parent / "switchboard"
"""The console script pip installed next to this interpreter."""


def test_check_config_prints_ok_for_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check-config", str(DEMO)])

    assert status == 0
    assert capsys.readouterr() == ("OK\n", "")


def test_check_config_prints_every_problem_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a tenant with two mistakes
    path = tmp_path / "tenant.yaml"
    path.write_text(
        "profiles:\n"
        "  - id: standard\n"
        "    name: Standard\n"
        "    post_interaction: 0\n"
        "queues:\n"
        "  - {id: sales, name: Sales, strategy: fifo}\n"
    )

    # When it is checked
    status = main(["check-config", str(path)])

    # Then both are printed, one per line, in file order, and nothing on stdout
    assert status == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{path}:4: profiles[0].post_interaction: must be greater than 0",
        f"{path}:6: queues[0].strategy: must be one of longest_idle, round_robin, "
        "fewest_calls, least_talk_time, ring_all, skills (got 'fifo')",
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("garbage.yaml", bytes(range(256)), "is this a binary file?"),
        ("empty.yaml", b"", "the file is empty"),
        ("list.yaml", b"- sales\n- support\n", "the top level must be a mapping"),
        ("missing.yaml", None, "file not found"),
    ],
)
def test_check_config_refuses_a_bad_file_with_one_clean_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    status = main(["check-config", str(path)])

    assert status == 1
    out, err = capsys.readouterr()
    assert out == ""
    [line] = err.splitlines()
    assert line.startswith(f"{path}")
    assert message in line


def test_check_config_names_the_flow_file_and_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a tenant whose flow, in its own file, sends calls to a queue that does not
    # exist, and names a second flow file that does not exist
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "main.yaml").write_text(
        "id: main\nname: Main line\nstart: sales\nnodes:\n  sales: {type: queue, queue: salse}\n"
    )
    path = tmp_path / "tenant.yaml"
    path.write_text(
        "profiles: [{id: standard, name: Standard}]\n"
        "queues: [{id: sales, name: Sales}]\n"
        "flows:\n"
        "  - file: flows/main.yaml\n"
        "  - file: flows/night.yaml\n"
    )

    # When it is checked, the missing file is reported at its entry...
    assert main(["check-config", str(path)]) == 1
    assert capsys.readouterr() == (
        "",
        f"{path}:5: flows[1].file: flow file not found: {tmp_path / 'flows' / 'night.yaml'}\n",
    )

    # ...and once the entry is gone, the unknown queue in the flow file, at its line
    path.write_text(path.read_text().replace("  - file: flows/night.yaml\n", ""))
    assert main(["check-config", str(path)]) == 1
    assert capsys.readouterr() == (
        "",
        f"{tmp_path / 'flows' / 'main.yaml'}:5: nodes.sales.queue: there is no queue "
        "'salse' (known: 'sales')\n",
    )


def test_flow_schema_prints_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["flow-schema"]) == 0

    out, err = capsys.readouterr()
    assert err == ""
    assert out == FLOW_SCHEMA.read_text(encoding="utf-8"), (
        "schemas/flow.schema.json is out of date: regenerate it with "
        "`switchboard flow-schema > schemas/flow.schema.json`"
    )
    assert json.loads(out)["title"] == "Switchboard Smart Routing flow"


def test_the_installed_console_script_checks_the_demo() -> None:
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [str(SWITCHBOARD), "check-config", str(DEMO)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, "OK\n", "")


def test_the_console_script_exits_1_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("profiles: [\n")

    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [str(SWITCHBOARD), "check-config", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.startswith(f"{path}:2: YAML syntax error: ")
    assert "Traceback" not in result.stderr


def test_hash_password_from_stdin_round_trips(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("  spaces count  \n"))

    status = main(["hash-password", "--stdin"])

    assert status == 0
    out, err = capsys.readouterr()
    password_hash = out.strip()
    assert password_hash.startswith("$argon2id$")
    assert err == ""
    assert verify_password(password_hash, "  spaces count  ")
    assert not verify_password(password_hash, "spaces count")


def test_hash_password_prints_sip_credentials_a_registrar_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("phone-secret\n"))

    assert main(["hash-password", "--stdin", "--sip-extension", "1001"]) == 0

    out, _ = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "sip:"
    values = dict(line.strip().split(": ") for line in lines[1:])
    # The HA1 a phone's digest answer is checked against (RFC 2617 §3.2.2.2)
    expected = hashlib.md5(b"1001:switchboard:phone-secret").hexdigest()  # noqa: S324
    assert values["ha1_md5"] == expected
    assert values["ha1_sha256"] == hashlib.sha256(b"1001:switchboard:phone-secret").hexdigest()


def test_hash_password_reads_a_pipe_without_the_flag() -> None:
    result = subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [str(SWITCHBOARD), "hash-password"],
        input="alice-demo\r\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0
    assert verify_password(result.stdout.strip(), "alice-demo")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def typed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What the person types at the two getpass prompts of a terminal."""
    answers: list[str] = []
    prompts: list[str] = []

    def getpass(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(getpass_module, "getpass", getpass)
    yield answers
    assert prompts == ["Password: ", "Password again: "][: len(prompts)]


def test_hash_password_on_a_terminal_asks_twice(
    typed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    typed.extend(["s3cret!", "s3cret!"])

    assert main(["hash-password"]) == 0
    assert verify_password(capsys.readouterr().out.strip(), "s3cret!")


def test_hash_password_refuses_two_different_passwords(
    typed: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    typed.extend(["s3cret!", "s3cret?"])

    assert main(["hash-password"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "the two passwords differ" in err


@pytest.mark.parametrize("stdin", ["", "\n"])
def test_hash_password_refuses_an_empty_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))

    assert main(["hash-password", "--stdin"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "switchboard: empty password refused; an agent's password cannot be empty\n"


def test_demo_check_summarises_the_tenant(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["demo", "--check", "--config", str(DEMO)])

    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert out.startswith(
        "Acme Energy: 2 queues, 5 agents, 4 inbound numbers, 1 Smart Routing flow\n"
    )
    for heading in ("Queues:", "Agents:", "Inbound numbers:"):
        assert f"\n{heading}\n" in out


def test_demo_reads_examples_demo_yaml_by_default(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)

    assert main(["demo", "--check"]) == 0
    assert "Acme Energy" in capsys.readouterr().out


def test_demo_with_a_bad_configuration_prints_its_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--config", str(tmp_path / "nowhere.yaml")]) == 1
    assert capsys.readouterr() == ("", f"{tmp_path / 'nowhere.yaml'}: file not found\n")


@pytest.mark.parametrize(
    ("argv", "status"),
    [([], 2), (["frobnicate"], 2), (["check-config"], 2), (["--help"], 0), (["--version"], 0)],
)
def test_usage(capsys: pytest.CaptureFixture[str], argv: list[str], status: int) -> None:
    assert main(argv) == status
    out, err = capsys.readouterr()
    assert "switchboard" in out + err


def test_hash_password_stops_cleanly_at_end_of_input(
    typed: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def end_of_input(prompt: str = "Password: ") -> str:
        raise EOFError

    monkeypatch.setattr(getpass_module, "getpass", end_of_input)

    assert main(["hash-password"]) == 1
    assert capsys.readouterr() == ("", "\nswitchboard: no password given; nothing hashed\n")
