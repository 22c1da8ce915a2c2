r"""Conditions of Smart Routing flows: a small, safe expression language.

An administrator writes `digits(account) startswith '42' and time.hour < 18`; `parse`
turns the text into a tiny typed AST (frozen dataclasses) and `Expression.evaluate`
computes it against the flow's variables. Nothing is ever handed to eval/exec/compile:
a tokenizer feeds a recursive-descent parser that climbs the precedence levels below,
and `_eval` walks the tree.

Grammar (EBNF; keywords and function names are case-insensitive, names are not):

    expression  = disjunction ;
    disjunction = conjunction { "or" conjunction } ;
    conjunction = negation { "and" negation } ;
    negation    = "not" negation | comparison ;
    comparison  = sum [ compare_op sum ] ;            (* not chainable *)
    compare_op  = "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in"
                | "contains" | "startswith" | "endswith" ;
    sum         = product { ( "+" | "-" ) product } ;
    product     = unary { ( "*" | "/" | "%" ) unary } ;
    unary       = "-" unary | primary ;
    primary     = number | string | "true" | "false" | "null" | list
                | function "(" [ expression { "," expression } ] ")"
                | name | "(" expression ")" ;
    list        = "[" [ expression { "," expression } ] "]" ;
    name        = identifier { "." identifier } ;     (* kept whole: "contact.name" *)
    identifier  = ( letter | "_" ) { letter | digit | "_" } ;
    number      = digit { digit } [ "." digit { digit } ] ;
    string      = "'" ... "'" | '"' ... '"' ;         (* escapes: \\ \' \" \n *)

Comparison rule. DTMF answers and most flow variables are strings, so `account == 42`
must hold when the caller typed "0042". When both sides are numbers or numeric strings
(`-?digits[.digits]`, so "+33..." phone numbers stay text) they compare as numbers;
otherwise they compare as text, where null is "" and booleans are "true"/"false".
`in`/`not in` use the same equality against a list, or test a substring otherwise.
The arithmetic operators accept numeric strings too; `+` concatenates as soon as one
operand is a non-numeric string (so "5" + "5" is 10, but "5" + "a" is "5a").

A name missing from the variables is null, not an error; a keyword cannot be a name
except after a dot (`call.in` is one). `and`/`or` short-circuit and, like `not`,
return booleans (see `truthy`); `default(x, y)` evaluates y only when x is null or "".
Runtime problems raise EvaluationError at the offending node's column. Limits keep
hostile text cheap: 2000 characters, 50 levels of nesting (checked while parsing, so
never a RecursionError), built strings up to 10,000 characters, numbers below 10**300
(numeric strings have at most 300 digits on each side of the point).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

Value: TypeAlias = str | int | float | bool | None
Operand: TypeAlias = Value | list[Value]  # a list only ever appears beside in/contains

MAX_TEXT_LENGTH = 2000
MAX_NESTING = 50
MAX_STRING_LENGTH = 10_000
_MAX_NUMBER = 10**300
_NUMERIC = re.compile(r"-?[0-9]{1,300}(?:\.[0-9]{1,300})?")
FUNCTIONS: dict[str, int] = {
    "default": 2, "digits": 1, "len": 1, "lower": 1, "number": 1, "upper": 1,
}  # fmt: skip
_KEYWORDS = {"and", "or", "not", "in", "contains", "startswith", "endswith"}
_CONSTANTS: dict[str, Value] = {"true": True, "false": False, "null": None}
_OR, _NOT, _COMPARE, _NEGATE = 1, 3, 4, 7  # precedence levels; "and" is 2, "+" 5, "*" 6
_PRECEDENCE = {"or": 1, "and": 2, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6} | dict.fromkeys(
    ("==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "startswith", "endswith"), 4
)
_OPERATORS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
              ">": operator.gt, ">=": operator.ge, "+": operator.add, "-": operator.sub,
              "*": operator.mul, "/": operator.truediv, "%": operator.mod}  # fmt: skip
_SYMBOLS = ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",")
_HINTS = {"=": "; use '==' to compare", "!": "; use 'not' or '!='", "&": "; use 'and'",
          "|": "; use 'or'"}  # fmt: skip
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBER_RUN = re.compile(r"[0-9][0-9A-Za-z_.]*")  # "12abc" is one bad number, not 12 then abc
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


class ExpressionError(ValueError):
    """A text that is not a valid expression; `position` is a 0-based offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at column {position + 1})")
        self.message = message
        self.position = position


class EvaluationError(ExpressionError):
    """A valid expression that cannot be computed with these values."""


@dataclass(frozen=True, slots=True)
class Literal:
    position: int
    value: Value


@dataclass(frozen=True, slots=True)
class ListOf:
    position: int
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Name:
    position: int
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    position: int
    function: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    position: int
    op: str  # "not" | "-"
    operand: Node


@dataclass(frozen=True, slots=True)
class Logic:
    """`a or b or c`, kept flat so that long chains do not nest."""

    position: int
    op: str  # "and" | "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Arith:
    """`a + b - c`: `first`, then (operator, its position, operand) steps."""

    position: int
    first: Node
    rest: tuple[tuple[str, int, Node], ...]


@dataclass(frozen=True, slots=True)
class Compare:
    position: int  # of the operator
    op: str
    left: Node
    right: Node


Node: TypeAlias = Literal | ListOf | Name | Call | Unary | Logic | Arith | Compare


@dataclass(frozen=True)
class Expression:
    """A parsed condition; equal expressions have equal text."""

    text: str
    names: frozenset[str]
    root: Node = field(repr=False, compare=False)

    def evaluate(self, names: Mapping[str, Value]) -> Value:
        """The value against these variables; raises EvaluationError only."""
        return _eval(self.root, names)


def parse(text: str) -> Expression:
    """Parse any text; raises ExpressionError only, with the column of the problem."""
    if len(text) > MAX_TEXT_LENGTH:
        raise ExpressionError(
            f"the expression is too long ({len(text)} characters; the limit is {MAX_TEXT_LENGTH})",
            MAX_TEXT_LENGTH,
        )
    parser = _Parser(_tokenize(text))
    root = parser.parse()
    return Expression(text, frozenset(parser.names), root)


def truthy(value: Value) -> bool:
    """None, "", 0, False, "0" and "false" (any case) are false; all else is true."""
    if isinstance(value, str):
        return value not in ("", "0") and value.lower() != "false"
    return value is not None and value is not False and value != 0


# --- tokenizer ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "number" | "string" | "name" | "keyword" | "symbol" | "end"
    text: str  # as written (keywords lower-cased)
    position: int
    value: Value = None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch, start = text[i], i
        if ch in " \t\r\n":
            i += 1
        elif ch in "'\"":
            i, value = _string(text, i)
            tokens.append(_Token("string", text[start:i], start, value))
        elif match := _NUMBER_RUN.match(text, i):
            word, i = match.group(), match.end()
            if _NUMERIC.fullmatch(word) is None:
                too_long = _DECIMAL.fullmatch(word) is not None
                message = (
                    "number is too long (300 digits at most)"
                    if too_long
                    else f"invalid number {word!r}"
                )
                raise ExpressionError(message, start)
            tokens.append(_Token("number", word, start, _to_number(word)))
        elif match := _NAME.match(text, i):
            word, i = match.group(), match.end()
            if word.lower() in _KEYWORDS or word.lower() in _CONSTANTS:
                tokens.append(_Token("keyword", word.lower(), start))
            else:
                tokens.append(_Token("name", word, start))
        else:
            symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), None)
            if symbol is None:
                raise ExpressionError(f"unexpected character {ch!r}{_HINTS.get(ch, '')}", i)
            tokens.append(_Token("symbol", symbol, start))
            i += len(symbol)
    tokens.append(_Token("end", "", n))
    return tokens


def _string(text: str, start: int) -> tuple[int, str]:
    quote, out, i = text[start], [], start + 1
    while i < len(text) and text[i] != quote:
        if text[i] == "\\":
            if i + 1 >= len(text):
                break
            if text[i + 1] not in _ESCAPES:
                raise ExpressionError(
                    f"unknown escape '\\{text[i + 1]}' in a string; use \\\\, \\', \\\" or \\n", i
                )
            out.append(_ESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(text[i])
            i += 1
    if i >= len(text):
        raise ExpressionError("unterminated string", start)
    return i + 1, "".join(out)


def _describe(token: _Token) -> str:
    if token.kind == "end":
        return "end of expression"
    text = token.text if len(token.text) <= 20 else token.text[:17] + "..."
    return f'"{text}"' if "'" in text else f"'{text}'"


# --- parser -------------------------------------------------------------------------


class _Parser:
    """Precedence climbing: `_expression(floor)` takes the operators binding at least
    as tightly as `floor`; a left-associative run stays in one loop, one flat node."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens, self.index, self.depth = tokens, 0, 0
        self.names: set[str] = set()

    def parse(self) -> Node:
        node = self._expression(_OR)
        if (token := self._peek()).kind != "end":
            raise ExpressionError(f"unexpected {_describe(token)}", token.position)
        return node

    def _peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def _take(self) -> _Token:
        self.index += 1
        return self.tokens[self.index - 1]

    def _is(self, kind: str, text: str, ahead: int = 0) -> bool:
        token = self._peek(ahead)
        return token.kind == kind and token.text == text

    def _deeper(self, token: _Token) -> None:
        """Enter one more level; the limit keeps recursion far from Python's own."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            message = f"the expression is nested too deeply (more than {MAX_NESTING} levels)"
            raise ExpressionError(message, token.position)

    def _operator(self) -> str | None:
        token = self._peek()
        if token.kind in ("symbol", "keyword") and token.text in _PRECEDENCE:
            return token.text
        not_in = self._is("keyword", "not") and self._is("keyword", "in", ahead=1)
        return "not in" if not_in else None

    def _expression(self, floor: int) -> Node:
        left, compared = self._prefix(floor), False
        while (op := self._operator()) is not None and (level := _PRECEDENCE[op]) >= floor:
            token = self._take()
            if level == _COMPARE and compared:
                raise ExpressionError("comparisons cannot be chained; use 'and'", token.position)
            if op == "not in":
                self._take()
            right = self._expression(level + 1)
            if level == _COMPARE:
                left, compared = Compare(token.position, op, left, right), True
            elif op in ("or", "and"):
                operands = left.operands if isinstance(left, Logic) and left.op == op else (left,)
                left = Logic(left.position, op, (*operands, right))
            else:
                step = (op, token.position, right)
                if isinstance(left, Arith) and _PRECEDENCE[left.rest[0][0]] == level:
                    left = Arith(left.position, left.first, (*left.rest, step))
                else:
                    left = Arith(left.position, left, (step,))
        return left

    def _prefix(self, floor: int) -> Node:
        if (floor <= _NOT and self._is("keyword", "not")) or self._is("symbol", "-"):
            token = self._take()
            self._deeper(token)
            operand = self._expression(_NOT if token.text == "not" else _NEGATE)
            self.depth -= 1
            return Unary(token.position, token.text, operand)
        return self._primary()

    def _primary(self) -> Node:
        previous = self.tokens[self.index - 1] if self.index else None
        token = self._take()
        if token.kind in ("number", "string"):
            return Literal(token.position, token.value)
        if token.kind == "keyword" and token.text in _CONSTANTS:
            return Literal(token.position, _CONSTANTS[token.text])
        if token.kind == "name" and self._is("symbol", "("):
            return self._call(token)
        if token.kind == "name":
            self.names.add(token.text)
            return Name(token.position, token.text)
        if token.kind == "symbol" and token.text == "(":
            return self._items(token, ")", single=True)[0]
        if token.kind == "symbol" and token.text == "[":
            return ListOf(token.position, self._items(token, "]"))
        if (
            previous
            and previous.kind in ("keyword", "symbol")
            and previous.text not in ("(", "[", ",")
        ):
            raise ExpressionError(f"expected a value after {_describe(previous)}", token.position)
        if token.kind == "end":
            empty = previous is None
            message = "the expression is empty" if empty else "unexpected end of expression"
            raise ExpressionError(message, token.position)
        raise ExpressionError(f"unexpected {_describe(token)}", token.position)

    def _call(self, name: _Token) -> Node:
        function = name.text.lower()
        if function not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function '{name.text}'; known: {known}", name.position)
        args = self._items(self._take(), ")")
        if len(args) != (wanted := FUNCTIONS[function]):
            message = f"{function}() takes {wanted} argument{'s' * (wanted > 1)}, got {len(args)}"
            raise ExpressionError(message, name.position)
        return Call(name.position, function, args)

    def _items(self, opening: _Token, closing: str, single: bool = False) -> tuple[Node, ...]:
        """The comma-separated expressions after `opening`, up to `closing`."""
        self._deeper(opening)
        items: list[Node] = []
        if single or not self._is("symbol", closing):
            items.append(self._expression(_OR))
            while not single and self._is("symbol", ","):
                self._take()
                items.append(self._expression(_OR))
        token = self._take()
        if token.kind == "end":
            where = f"the '{opening.text}' at column {opening.position + 1}"
            raise ExpressionError(f"missing '{closing}' to close {where}", token.position)
        if token.kind != "symbol" or token.text != closing:
            expected = f"'{closing}'" if single else f"',' or '{closing}'"
            message = f"expected {expected} but found {_describe(token)}"
            raise ExpressionError(message, token.position)
        self.depth -= 1
        return (*items,)


# --- evaluator ----------------------------------------------------------------------


def _eval(node: Node, names: Mapping[str, Value]) -> Value:
    match node:
        case Literal(value=value):
            return value
        case Name(position=position, name=name):
            value = names.get(name)
            if value is not None and not isinstance(value, str | int | float):
                message = f"'{name}' holds a {type(value).__name__}, not text or a number"
                raise EvaluationError(message, position)
            if isinstance(value, int) and abs(value) >= _MAX_NUMBER:
                raise EvaluationError(f"the number in '{name}' is too large", position)
            return value
        case ListOf(position=position):
            message = "a list can only be used with 'in', 'not in' or 'contains'"
            raise EvaluationError(message, position)
        case Unary(op="not", operand=operand):
            return not truthy(_eval(operand, names))
        case Unary(position=position, operand=operand):
            return -_numeric("'-'", _eval(operand, names), position)
        case Logic(op=op, operands=operands):
            decisive = op == "or"  # an operand that is true decides an or, a false one an and
            for operand in operands:
                if truthy(_eval(operand, names)) is decisive:
                    return decisive
            return not decisive
        case Arith(first=first, rest=rest):
            value = _eval(first, names)
            for op, position, operand in rest:
                value = _arith(op, value, _eval(operand, names), position)
            return value
        case Compare(op="contains", left=left, right=right):
            haystack = _collection(left, names)
            return _contains(haystack, _eval(right, names))
        case Compare(op="in" | "not in" as op, left=left, right=right):
            needle = _eval(left, names)
            return _contains(_collection(right, names), needle) is (op == "in")
        case Compare(op=op, left=left, right=right):
            return _compare(op, _eval(left, names), _eval(right, names))
        case Call():
            return _call(node, names)


def _collection(node: Node, names: Mapping[str, Value]) -> Operand:
    """The side of in/contains that may be a list literal."""
    if isinstance(node, ListOf):
        return [_eval(item, names) for item in node.items]
    return _eval(node, names)


def _call(node: Call, names: Mapping[str, Value]) -> Value:
    value = _eval(node.args[0], names)
    match node.function:
        case "default":
            return _eval(node.args[1], names) if value is None or value == "" else value
        case "len":
            return len(_text(value))
        case "lower":
            return _checked(_text(value).lower(), node.position)
        case "upper":
            return _checked(_text(value).upper(), node.position)
        case "digits":
            return "".join(c for c in _text(value) if c in "0123456789")
        case _:  # "number"
            return _numeric("number()", value, node.position)


def _text(value: Value) -> str:
    """The text form used by string comparisons and concatenation."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _number(value: Value) -> int | float | None:
    """A number, a numeric string as a number, or None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMERIC.fullmatch(value):
        return _to_number(value)
    return None


def _show(value: Value) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 30 else value[:27] + "...")
    return "null" if value is None else _text(value)


def _numeric(what: str, value: Value, position: int) -> int | float:
    number = _number(value)
    if number is None:
        raise EvaluationError(f"{what} needs a number, got {_show(value)}", position)
    return number


def _checked(value: Value, position: int) -> Value:
    """Enforce the size limits on a value the evaluation produced."""
    if isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
        raise EvaluationError(f"text longer than {MAX_STRING_LENGTH} characters", position)
    if isinstance(value, int | float) and not abs(value) < _MAX_NUMBER:  # also inf and nan
        raise EvaluationError("number too large", position)
    return value


def _arith(op: str, left: Value, right: Value, position: int) -> Value:
    a, b = _number(left), _number(right)
    if op == "+" and (
        (a is None and isinstance(left, str)) or (b is None and isinstance(right, str))
    ):
        return _checked(_text(left) + _text(right), position)
    if a is None or b is None:
        offending = left if a is None else right
        raise EvaluationError(f"'{op}' needs numbers, got {_show(offending)}", position)
    if op in ("/", "%") and b == 0:
        raise EvaluationError("division by zero", position)
    if op == "/" and isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return _checked(a // b, position)
    return _checked(_OPERATORS[op](a, b), position)


def _contains(haystack: Operand, needle: Value) -> bool:
    if isinstance(haystack, list):
        return any(_compare("==", needle, item) for item in haystack)
    return _text(needle) in _text(haystack)


def _compare(op: str, left: Value, right: Value) -> bool:
    if op in ("startswith", "endswith"):
        return bool(getattr(_text(left), op)(_text(right)))
    a, b = _number(left), _number(right)
    if a is not None and b is not None:
        return bool(_OPERATORS[op](a, b))
    return bool(_OPERATORS[op](_text(left), _text(right)))
