"""Digest authentication: the RFC test vectors, the registrar's challenges (nonce
expiry → stale, replays refused), and the client answering a trunk's challenge."""

from __future__ import annotations

import pytest

from switchboard.sip.digest import (
    Algorithm,
    Challenge,
    Challenger,
    Credentials,
    Verdict,
    answer_challenge,
    ha1,
    pick_challenge,
    response,
)

SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        (Algorithm.MD5, "8ca523f5e9506fed4657c9700eebdbec"),
        (Algorithm.SHA256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc_7616_example(algorithm: Algorithm, expected: str) -> None:
    key = ha1(algorithm, "Mufasa", "http-auth@example.org", "Circle of Life")
    got = response(
        algorithm,
        key,
        "GET",
        "/dir/index.html",
        "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        qop="auth",
        nc="00000001",
        cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    )
    assert got == expected


def test_rfc_2617_example() -> None:
    key = ha1(Algorithm.MD5, "Mufasa", "testrealm@host.com", "Circle Of Life")
    got = response(
        Algorithm.MD5,
        key,
        "GET",
        "/dir/index.html",
        "dcd98b7102dd2f0e8b11d0f600bfb0c093",
        qop="auth",
        nc="00000001",
        cnonce="0a4f113b",
    )
    assert got == "6629fae49393a05397450978507c4ef1"


def params_of(header: str) -> dict[str, str]:
    """A small test-side parser of `Digest a="b", c=d` (the real one is in headers.py)."""
    scheme, _, rest = header.partition(" ")
    assert scheme == "Digest"
    out: dict[str, str] = {}
    for part in rest.split(", "):
        key, _, value = part.partition("=")
        out[key] = value.strip('"')
    return out


def phone_answers(
    challenger: Challenger, now: float, password: str, *, nc: int = 1, algorithm: int = 0
) -> Credentials:
    challenge = Challenge.from_params(params_of(challenger.challenges(now)[algorithm]))
    assert challenge is not None
    header = answer_challenge(
        challenge, "1001", password, "REGISTER", "sip:127.0.0.1", cnonce="abc123", nc=nc
    )
    credentials = Credentials.from_params(params_of(header))
    assert credentials is not None
    return credentials


def table(password: str) -> dict[str, str]:
    return {a.value: ha1(a, "1001", "switchboard", password) for a in Algorithm}


def test_the_registrar_offers_sha256_before_md5() -> None:
    challenger = Challenger("switchboard", SECRET)
    values = challenger.challenges(1000.0)
    assert [params_of(v)["algorithm"] for v in values] == ["SHA-256", "MD5"]
    assert all(params_of(v)["qop"] == "auth" for v in values)


@pytest.mark.parametrize("which", [0, 1], ids=["sha256", "md5"])
def test_a_phone_with_the_right_password_is_accepted(which: int) -> None:
    challenger = Challenger("switchboard", SECRET)
    credentials = phone_answers(challenger, 1000.0, "s3cret", algorithm=which)
    assert challenger.check(credentials, "REGISTER", table("s3cret"), 1001.0) is Verdict.OK


def test_a_wrong_password_or_unknown_user_is_refused() -> None:
    challenger = Challenger("switchboard", SECRET)
    credentials = phone_answers(challenger, 1000.0, "guess")
    assert challenger.check(credentials, "REGISTER", table("s3cret"), 1001.0) is Verdict.BAD
    assert challenger.check(credentials, "REGISTER", {}, 1001.0) is Verdict.BAD


def test_an_expired_nonce_with_the_right_password_is_stale() -> None:
    challenger = Challenger("switchboard", SECRET, nonce_lifetime=300)
    credentials = phone_answers(challenger, 1000.0, "s3cret")
    assert challenger.check(credentials, "REGISTER", table("s3cret"), 1301.0) is Verdict.STALE
    stale = challenger.challenges(1301.0, stale=True)
    assert params_of(stale[0])["stale"] == "true"


def test_a_forged_nonce_is_refused() -> None:
    challenger = Challenger("switchboard", SECRET)
    other = Challenger("switchboard", b"another secret of 32 bytes......")
    credentials = phone_answers(other, 1000.0, "s3cret")
    assert challenger.check(credentials, "REGISTER", table("s3cret"), 1001.0) is Verdict.BAD


def test_a_replayed_answer_is_refused_and_a_higher_count_accepted() -> None:
    challenger = Challenger("switchboard", SECRET)
    first = phone_answers(challenger, 1000.0, "s3cret", nc=1)
    assert challenger.check(first, "REGISTER", table("s3cret"), 1001.0) is Verdict.OK
    assert challenger.check(first, "REGISTER", table("s3cret"), 1002.0) is Verdict.BAD
    challenge = Challenge(
        realm="switchboard",
        nonce=first.nonce,
        algorithm=Algorithm.SHA256,
        qop=("auth",),
        opaque=None,
        stale=False,
    )
    header = answer_challenge(
        challenge, "1001", "s3cret", "REGISTER", "sip:127.0.0.1", cnonce="abc123", nc=2
    )
    second = Credentials.from_params(params_of(header))
    assert second is not None
    assert challenger.check(second, "REGISTER", table("s3cret"), 1003.0) is Verdict.OK


def test_the_wrong_realm_or_method_is_refused() -> None:
    challenger = Challenger("switchboard", SECRET)
    credentials = phone_answers(challenger, 1000.0, "s3cret")
    assert challenger.check(credentials, "INVITE", table("s3cret"), 1001.0) is Verdict.BAD
    other_realm = Challenger("elsewhere", SECRET)
    assert other_realm.check(credentials, "REGISTER", table("s3cret"), 1001.0) is Verdict.BAD


def test_the_client_prefers_sha256_and_answers_without_qop_when_none_is_offered() -> None:
    md5 = Challenge.from_params({"realm": "trunk", "nonce": "n1", "algorithm": "MD5"})
    sha = Challenge.from_params({"realm": "trunk", "nonce": "n2", "algorithm": "SHA-256"})
    assert md5 is not None
    assert sha is not None
    assert pick_challenge([md5, sha]) is sha
    header = answer_challenge(md5, "acme", "pw", "INVITE", "sip:+331@trunk", cnonce="c")
    params = params_of(header)
    assert "qop" not in params
    key = ha1(Algorithm.MD5, "acme", "trunk", "pw")
    assert params["response"] == response(Algorithm.MD5, key, "INVITE", "sip:+331@trunk", "n1")


def test_malformed_credentials_and_challenges_are_not_usable() -> None:
    assert Credentials.from_params({"username": "x"}) is None
    assert Challenge.from_params({"realm": "x"}) is None
    assert Challenge.from_params({"realm": "x", "nonce": "n", "algorithm": "SHA-512"}) is None
    with pytest.raises(ValueError, match="16 bytes"):
        Challenger("r", b"short")
