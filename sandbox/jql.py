"""A JQL subset: clauses joined by AND/OR/NOT with parentheses, then ORDER BY.

``parse`` gives a ``Query`` or raises ``JqlError`` worded like JIRA. Evaluation is in
``jql_eval``. Supported operators: = != > >= < <= ~ !~ IN, NOT IN, IS, IS NOT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>!=|>=|<=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s=!<>~(),"']+)
    )""",
    re.VERBOSE,
)
KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}
OPERATORS = "'=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'"


class JqlError(ValueError):
    """Answer 400 with ``errorMessages: [message]``."""


@dataclass(frozen=True)
class Token:
    kind: str  # string, op, punct, word, end
    text: str
    position: int

    @property
    def keyword(self) -> str | None:
        lowered = self.text.lower()
        return lowered if self.kind == "word" and lowered in KEYWORDS else None


@dataclass(frozen=True)
class Value:
    text: str
    function: bool = False  # now(), currentUser()
    empty: bool = False  # EMPTY / NULL


@dataclass(frozen=True)
class Clause:
    field: str
    operator: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Junction:
    kind: str  # and, or
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Negation:
    part: Node


Node = Clause | Junction | Negation


@dataclass(frozen=True)
class Query:
    where: Node | None
    order: tuple[tuple[str, bool], ...]  # (field, descending)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while text[position:].strip():
        match = TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            rest = text[position:]
            raise _reserved(rest.lstrip()[:1], position + len(rest) - len(rest.lstrip()))
        tokens.append(
            Token(match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup))
        )
        position = match.end()
    tokens.append(Token("end", "EOF", len(text)))
    return tokens


def _reserved(character: str, position: int) -> JqlError:
    return JqlError(
        f"Error in the JQL Query: The character '{character}' is a reserved JQL character. "
        f"You must enclose it in a string or use the escape '\\u{ord(character):04x}' "
        f"instead. (line 1, character {position + 1})"
    )


def parse(text: str) -> Query:
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, keyword: str) -> bool:
        if self.current.keyword == keyword:
            self.at += 1
            return True
        return False

    def query(self) -> Query:
        where = (
            None
            if self.current.keyword == "order" or self.current.kind == "end"
            else self.disjunction()
        )
        order = self.order_by()
        if self.current.kind != "end":
            raise self.error("Expecting either 'OR' or 'AND'")
        return Query(where, order)

    def disjunction(self) -> Node:
        parts = [self.conjunction()]
        while self.accept("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Junction("or", tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.unary()]
        while self.accept("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else Junction("and", tuple(parts))

    def unary(self) -> Node:
        if self.accept("not"):
            return Negation(self.unary())
        if self.current.text == "(":
            self.take()
            inner = self.disjunction()
            self.expect(")")
            return inner
        return self.clause()

    def clause(self) -> Clause:
        name = self.take()
        if name.kind not in {"word", "string"} or name.keyword:
            raise self.error("Expecting a field name", name)
        operator = self.operator()
        if operator in {"in", "not in"}:
            return Clause(_unquote(name), operator, self.values_list())
        return Clause(_unquote(name), operator, (self.value(),))

    def operator(self) -> str:
        token = self.take()
        if token.kind == "op":
            return token.text
        if token.keyword == "in":
            return "in"
        if token.keyword == "not" and self.accept("in"):
            return "not in"
        if token.keyword == "is":
            return "is not" if self.accept("not") else "is"
        raise self.error(
            f"Expecting operator but got '{token.text}'. The valid operators are {OPERATORS}", token
        )

    def values_list(self) -> tuple[Value, ...]:
        self.expect("(")
        values = [self.value()]
        while self.current.text == ",":
            self.take()
            values.append(self.value())
        self.expect(")")
        return tuple(values)

    def value(self) -> Value:
        token = self.take()
        if token.keyword in {"empty", "null"}:
            return Value(token.text, empty=True)
        if token.kind not in {"word", "string"} or token.keyword:
            raise self.error(
                f"Expecting either a value, list or function but got '{token.text}'", token
            )
        if token.kind == "word" and self.current.text == "(":
            self.take()
            self.expect(")")
            return Value(token.text, function=True)
        return Value(_unquote(token))

    def order_by(self) -> tuple[tuple[str, bool], ...]:
        if not self.accept("order"):
            return ()
        if not self.accept("by"):
            raise self.error("Expecting 'by' but got '" + self.current.text + "'")
        order = [self.sort_key()]
        while self.current.text == ",":
            self.take()
            order.append(self.sort_key())
        return tuple(order)

    def sort_key(self) -> tuple[str, bool]:
        name = self.take()
        if name.kind not in {"word", "string"} or name.keyword:
            raise self.error("Expecting a field name", name)
        descending = self.accept("desc")
        if not descending:
            self.accept("asc")
        return _unquote(name), descending

    def expect(self, text: str) -> None:
        if self.current.text != text:
            raise self.error(f"Expecting '{text}' but got '{self.current.text}'")
        self.take()

    def error(self, message: str, token: Token | None = None) -> JqlError:
        where = (token or self.current).position + 1
        return JqlError(f"Error in the JQL Query: {message}. (line 1, character {where})")


def _unquote(token: Token) -> str:
    if token.kind != "string":
        return token.text
    return re.sub(r"\\(.)", r"\1", token.text[1:-1])
