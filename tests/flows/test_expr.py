"""The condition language of Smart Routing flows (switchboard.flows.expr).

Covered: the grammar (literals, dotted names, lists, functions, case-insensitive
keywords), operator precedence and associativity, the comparison rule that lets a
DTMF answer "0042" equal 42, names that are not set yet (null), arithmetic and
concatenation, every parse error and evaluation error with its message and column,
the size and nesting limits, and that the module stays a pure layer. Hypothesis
fuzzes `parse` with arbitrary text and with text built from the language's tokens,
and evaluates whatever parses against arbitrary variables: only ExpressionError
(parsing) and EvaluationError (evaluating) may ever come out.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.flows import expr
from switchboard.flows.expr import EvaluationError, ExpressionError, Value, parse, truthy

FUZZ = 2000 if os.environ.get("CI") else 200
FRAMES = 600  # stack the deepest accepted expression may use (Python allows 1000)
Wrap = Callable[[str], str]


def run(text: str, names: Mapping[str, Value] | None = None) -> Value:
    return parse(text).evaluate(names or {})


def parse_error(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert type(info.value) is ExpressionError
    return info.value


def evaluation_error(text: str, names: Mapping[str, Value] | None = None) -> EvaluationError:
    expression = parse(text)
    with pytest.raises(EvaluationError) as info:
        expression.evaluate(names or {})
    return info.value


# --- grammar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'single'", "single"),
        ('"double"', "double"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r"'a\\b'", "a\\b"),
        (r"'line\nbreak'", "line\nbreak"),
        ("12", 12),
        ("3.5", 3.5),
        ("true", True),
        ("FALSE", False),
        ("Null", None),
    ],
)
def test_literals_evaluate_to_themselves(text: str, value: Value) -> None:
    result = run(text)
    assert result == value
    assert type(result) is type(value)


def test_dotted_names_are_kept_whole_and_listed() -> None:
    expression = parse("contact.name == 'Ada' and time.hour < 18 or lower(caller) in [vip, 'x']")
    assert expression.names == {"contact.name", "time.hour", "caller", "vip"}
    assert run("contact.name", {"contact.name": "Ada", "contact": "other"}) == "Ada"


def test_keywords_ignore_case_but_names_do_not() -> None:
    assert run("Caller == 'a' AnD NOT caller == 'a'", {"Caller": "a", "caller": "b"}) is True
    assert parse("X or x").names == {"X", "x"}


def test_function_names_ignore_case_like_keywords() -> None:
    assert run("LEN(caller) + Upper('a')", {"caller": "123"}) == "3A"


def test_a_name_not_set_yet_is_null() -> None:
    assert run("menu_choice") is None
    assert run("menu_choice == null and menu_choice == ''") is True
    assert run("default(menu_choice, 'none')") == "none"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("48 / 4 / 3", 4),
        ("7 % 4 * 2", 6),
        ("2 * -3", -6),
        ("- 2 * 3", -6),
        ("--2", 2),
        ("1 + 1 == 2", True),
        ("not 1 == 2", True),
        ("not false and false", False),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("not not true", True),
        ("(1 < 2) == true", True),
    ],
)
def test_operators_bind_by_precedence(text: str, value: Value) -> None:
    assert run(text) == value


def test_and_or_not_return_booleans() -> None:
    assert run("'yes' and 7") is True
    assert run("'' or 0") is False
    assert run("not 'false'") is True


def test_and_or_stop_at_the_first_deciding_operand() -> None:
    assert run("false and number('x')") is False
    assert run("true or 1 / 0") is True
    assert run("default('set', number('x'))") == "set"


# --- comparisons --------------------------------------------------------------------


def test_a_collected_account_number_compares_as_a_number() -> None:
    assert run("account == 42 and account != 43", {"account": "0042"}) is True
    assert run("account > 9", {"account": "10"}) is True  # as text "10" < "9"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'05' == 5", True),
        ("'3.50' == 3.5", True),
        ("'-1' < 0", True),
        ("'10' > '9'", True),
        ("'1.0' == '1'", True),
        ("'10a' < '9'", True),
        ("'abc' < 'abd'", True),
        ("'+33123' == 33123", False),
        ("'1e3' == 1000", False),
        ("' 5' == 5", False),
        ("null == 0", False),
        ("true == 1", False),
        ("true == 'true'", True),
        ("false < 'g'", True),
    ],
)
def test_numbers_compare_as_numbers_and_everything_else_as_text(text: str, value: bool) -> None:
    assert run(text) is value


@given(st.integers(-(10**15), 10**15), st.integers(0, 5))
@settings(max_examples=FUZZ, deadline=None)
def test_a_zero_padded_answer_equals_its_number(number: int, padding: int) -> None:
    answer = ("-" if number < 0 else "") + "0" * padding + str(abs(number))
    names: dict[str, Value] = {"answer": answer, "n": number}
    assert run("answer == n and answer < n + 1 and answer >= n - 0.5", names) is True


def test_membership_uses_the_same_equality_against_a_list() -> None:
    assert run("choice in [1, 2, 3]", {"choice": "02"}) is True
    assert run("choice not in ['1', '2']", {"choice": 3}) is True
    assert run("[caller, 'x'] contains '0033'", {"caller": 33}) is True


def test_membership_in_text_is_a_substring_test() -> None:
    assert run("'VIP' in tags and tags contains 'GOLD'", {"tags": "VIP,GOLD"}) is True
    assert run("3 in 12345 and 6 not in 12345") is True


def test_startswith_and_endswith_use_the_text_forms() -> None:
    names: dict[str, Value] = {"caller": "+33612345678", "n": 4421}
    assert run("caller startswith '+336' and n endswith 21 and n startswith 44", names) is True
    assert run("caller endswith '9'", names) is False


# --- arithmetic and functions -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'0042' + 1", 43),
        ("'5' + '5'", 10),
        ("'ticket-' + 7", "ticket-7"),
        ("'a' + 1 + 2", "a12"),
        ("missing + 'x'", "x"),
        ("true + '!'", "true!"),
        ("8 / 2", 4),
        ("7 / 2", 3.5),
        ("1.5 * 2", 3.0),
        ("-7 % 3", 2),
        ("'2.5' - 1", 1.5),
    ],
)
def test_arithmetic_takes_numeric_strings_and_plus_concatenates_text(
    text: str, value: Value
) -> None:
    result = run(text)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("len(caller)", 12),
        ("len(missing)", 0),
        ("lower('MiXed')", "mixed"),
        ("upper(true)", "TRUE"),
        ("number('0042')", 42),
        ("number('-3.25')", -3.25),
        ("number(7)", 7),
        ("digits('+33 (0)6-12')", "330612"),
        ("digits(caller)", "33612345678"),
        ("default(missing, 'anon')", "anon"),
        ("default('', 'anon')", "anon"),
        ("default(0, 'anon')", 0),
    ],
)
def test_functions(text: str, value: Value) -> None:
    result = run(text, {"caller": "+33612345678"})
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        ("", False),
        (0, False),
        (0.0, False),
        (False, False),
        ("false", False),
        ("FaLsE", False),
        ("0", False),
        (True, True),
        (1, True),
        (-0.5, True),
        ("no", True),
        ("00", True),
        (" ", True),
    ],
)
def test_truthy_follows_the_flow_rules(value: Value, expected: bool) -> None:
    assert truthy(value) is expected


def test_an_expression_is_a_value_equal_by_its_text() -> None:
    assert parse("a == 1") == parse("a == 1")
    assert hash(parse("a == 1")) == hash(parse("a == 1"))
    assert parse("a == 1") != parse("a==1")


# --- errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("", "the expression is empty", 1),
        (")", "unexpected ')'", 1),
        ("(a + 1))", "unexpected ')'", 8),
        ("x y", "unexpected 'y'", 3),
        ("x not y", "unexpected 'not'", 3),
        ("(", "unexpected end of expression", 2),
        ("'abc", "unterminated string", 1),
        ("x == 'abc\\'", "unterminated string", 6),
        ("a and", "expected a value after 'and'", 6),
        ("a AND or b", "expected a value after 'and'", 7),
        ("x ==", "expected a value after '=='", 5),
        ("x == not y", "expected a value after '=='", 6),
        ("x not in", "expected a value after 'in'", 9),
        ("1 < x < 5", "comparisons cannot be chained; use 'and'", 7),
        ("a == b + c != d", "comparisons cannot be chained; use 'and'", 12),
        (
            "foo(1)",
            "unknown function 'foo'; known: default, digits, len, lower, number, upper",
            1,
        ),
        ("x + len(a, b)", "len() takes 1 argument, got 2", 5),
        ("default(a)", "default() takes 2 arguments, got 1", 1),
        ("(x", "missing ')' to close the '(' at column 1", 3),
        ("x in [1, 2", "missing ']' to close the '[' at column 6", 11),
        ("(x y)", "expected ')' but found 'y'", 4),
        ("[1 'two']", "expected ',' or ']' but found \"'two'\"", 4),
        ("[1,]", "unexpected ']'", 4),
        ("x = 1", "unexpected character '='; use '==' to compare", 3),
        ("x && y", "unexpected character '&'; use 'and'", 3),
        ("x # y", "unexpected character '#'", 3),
        ("3.", "invalid number '3.'", 1),
        ("x == 1.2.3", "invalid number '1.2.3'", 6),
        ("12abc", "invalid number '12abc'", 1),
        ("'a\\qb'", "unknown escape '\\q' in a string; use \\\\, \\', \\\" or \\n", 3),
        ("1" * 301, "number is too long (300 digits at most)", 1),
    ],
)
def test_parse_errors_say_what_is_wrong_and_where(text: str, message: str, column: int) -> None:
    error = parse_error(text)
    assert (error.message, error.position) == (message, column - 1)
    assert str(error) == f"{message} (at column {column})"


@pytest.mark.parametrize(
    ("text", "names", "message", "column"),
    [
        ("x * 2", {"x": "abc"}, "'*' needs numbers, got 'abc'", 3),
        ("x + 1", {}, "'+' needs numbers, got null", 3),
        ("1 - true", {}, "'-' needs numbers, got true", 3),
        ("10 / (x - 1)", {"x": "1"}, "division by zero", 4),
        ("x % 0.0", {"x": 5}, "division by zero", 3),
        ("number(x)", {"x": "12a"}, "number() needs a number, got '12a'", 1),
        ("-x", {}, "'-' needs a number, got null", 1),
        ("x == [1, 2]", {}, "a list can only be used with 'in', 'not in' or 'contains'", 6),
        ("len([1])", {}, "a list can only be used with 'in', 'not in' or 'contains'", 5),
        ("x * x", {"x": 10**200}, "number too large", 3),
        ("x * 1000", {"x": 1e299}, "number too large", 3),
        ("x == 1", {"x": 10**300}, "the number in 'x' is too large", 1),
        ("a + x + x", {"x": "a" * 6000}, "text longer than 10000 characters", 7),
        ("upper(x)", {"x": "ß" * 6000}, "text longer than 10000 characters", 1),
    ],
)
def test_evaluation_errors_say_what_is_wrong_and_where(
    text: str, names: dict[str, Value], message: str, column: int
) -> None:
    error = evaluation_error(text, names)
    assert (error.message, error.position) == (message, column - 1)
    assert str(error) == f"{message} (at column {column})"


def test_a_variable_holding_something_else_than_a_value_is_an_evaluation_error() -> None:
    names = {"x": [1]}
    error = evaluation_error("x == 1", names)  # type: ignore[arg-type]
    assert error.message == "'x' holds a list, not text or a number"


def test_catching_expression_error_also_catches_evaluation_errors() -> None:
    assert issubclass(EvaluationError, ExpressionError)
    assert issubclass(ExpressionError, ValueError)


# --- limits -------------------------------------------------------------------------


def test_text_longer_than_2000_characters_is_refused() -> None:
    parse("x" * 2000)
    error = parse_error("x" * 2001)
    assert error.message == "the expression is too long (2001 characters; the limit is 2000)"


@pytest.mark.parametrize(
    "wrap",
    [
        lambda inner: f"({inner})",
        lambda inner: f"-{inner}",
        lambda inner: f"not {inner}",
        lambda inner: f"len({inner})",
        lambda inner: f"[{inner}] contains 1",
    ],
)
def test_fifty_levels_of_nesting_are_accepted_and_fifty_one_are_not(wrap: Wrap) -> None:
    text = "1"
    for _ in range(50):
        text = wrap(text)
    parse(text).evaluate({})
    assert parse_error(wrap(text)).message == (
        "the expression is nested too deeply (more than 50 levels)"
    )


@pytest.mark.parametrize(
    "text",
    ["(" * 5000, "(" * 999 + "1" + ")" * 999, "-" * 1999 + "1", "not " * 499 + "x", "[" * 2000],
)
def test_deep_nesting_is_an_expression_error_not_a_recursion_error(text: str) -> None:
    parse_error(text)


def test_the_deepest_accepted_expression_leaves_most_of_the_stack_free() -> None:
    # Every level stacks all the binary precedence levels before nesting again.
    text = "x or y and z == a + b * len(" * 50 + "1" + ")" * 50
    names = {"y": True, "a": 1, "b": 1}
    here, frame = 0, sys._getframe()
    while frame.f_back is not None:
        here, frame = here + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(here + FRAMES)
    try:
        result = parse(text).evaluate(names)
    finally:
        sys.setrecursionlimit(limit)
    assert result is False


def test_the_module_stays_a_pure_layer() -> None:
    tree = ast.parse(Path(expr.__file__).read_text())
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    assert modules.isdisjoint({"asyncio", "socket", "threading", "time", "datetime"})
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert names.isdisjoint({"eval", "exec", "compile", "__import__"})


# --- fuzzing ------------------------------------------------------------------------

TOKENS = [
    "(", ")", "[", "]", ",", "and", "OR", "not", "in", "contains", "startswith", "endswith",
    "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "x", "caller", "contact.name",
    "len", "lower", "upper", "number", "digits", "default", "foo", "'0042'", "'abc'", "''",
    '"q\\"x"', "0", "1", "42", "3.5", "true", "false", "null", "'", "\\", "=", "1e5", ".",
]  # fmt: skip
NAMES = ["x", "y", "caller", "contact.name"]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["0042", "-1", "3.5", "false", "0", "", "ß" * 6000, "9" * 400]),
)
VARIABLES = st.dictionaries(st.sampled_from(NAMES), VALUES)
BINARY = ["and", "or", "==", "!=", "<", ">=", "in", "not in", "contains", "startswith", "+", "-"]
BINARY += ["*", "/", "%", "endswith"]
LEAVES = st.one_of(
    st.sampled_from([*NAMES, "'0042'", "'abc'", "''", "0", "7", "2.5", "true", "null"]),
    st.integers(0, 10**6).map(str),
    st.text(max_size=8).map(lambda s: "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"),
)


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(BINARY), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda t: f"(not {t})"),
        inner.map(lambda t: f"-({t})"),
        st.tuples(st.sampled_from(["len", "lower", "upper", "number", "digits"]), inner).map(
            lambda t: f"{t[0]}({t[1]})"
        ),
        st.tuples(inner, inner).map(lambda t: f"default({t[0]}, {t[1]})"),
        st.lists(inner, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
    )


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=12)


def parse_or_none(text: str) -> expr.Expression | None:
    try:
        return parse(text)
    except ExpressionError as error:
        caught = error
    assert type(caught) is ExpressionError
    assert 0 <= caught.position <= len(text)
    return None


@given(st.text(max_size=200))
@settings(max_examples=FUZZ, deadline=None)
def test_any_text_parses_or_raises_an_expression_error(text: str) -> None:
    parse_or_none(text)


@given(st.text(alphabet="()[]'\",.\\ =!<>+-*/%_aAnNdoOrRtTx0123456789", max_size=60))
@settings(max_examples=FUZZ, deadline=None)
def test_text_from_the_languages_characters_parses_or_raises_an_expression_error(
    text: str,
) -> None:
    parse_or_none(text)


@given(st.lists(st.sampled_from(TOKENS), max_size=15), st.sampled_from([" ", ""]), VARIABLES)
@settings(max_examples=FUZZ, deadline=None)
def test_token_soup_parses_or_fails_cleanly_and_evaluates_or_fails_cleanly(
    tokens: list[str], separator: str, variables: dict[str, Value]
) -> None:
    expression = parse_or_none(separator.join(tokens))
    if expression is not None:
        evaluate_cleanly(expression, variables)


@given(EXPRESSIONS, VARIABLES)
@settings(max_examples=FUZZ, deadline=None)
def test_any_expression_of_the_grammar_parses_and_evaluates_or_raises_an_evaluation_error(
    text: str, variables: dict[str, Value]
) -> None:
    expression = parse(text)
    assert expression.names <= set(NAMES)
    evaluate_cleanly(expression, variables)


def evaluate_cleanly(expression: expr.Expression, variables: dict[str, Value]) -> None:
    try:
        value = expression.evaluate(variables)
    except EvaluationError as error:
        caught = error
        assert 0 <= caught.position < len(expression.text)
        return
    assert value is None or isinstance(value, str | int | float)
    truthy(value)
