"""RPM rich dependencies ("(a and (b or c >= 2))") parsed and evaluated, in pure Python.

Used by the incremental check: which capability names a dependency mentions, and whether a
Supplements expression holds for a given install set.  Evaluation follows libsolv's
``solver_dep_fulfilled``: ``A if B`` holds when A holds or B does not, ``A if B else C``
is A when B holds and C otherwise, ``A unless B`` holds when A holds and B does not,
``and``/``or`` as usual.  ``with``/``without`` need one package to provide both / the first
but not the second; here they are evaluated as ``and`` / the first operand alone, which
can only say "holds" more often.  ``possible`` is the weaker test libsolv applies to the
packages it may consider (``dep_possible``): conditionals are always possible.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

OPERATORS = frozenset({"and", "or", "if", "else", "with", "without", "unless"})
_COMPARISONS = frozenset({"<", ">", "=", "<=", ">=", "==", "=<", "=>"})


class RichDepError(ValueError):
    """A rich dependency that does not parse."""


@dataclass(frozen=True)
class Atom:
    """A plain dependency inside a rich one: ``name`` or ``name op version``."""

    text: str

    @property
    def name(self) -> str:
        return self.text.split(None, 1)[0]


@dataclass(frozen=True)
class Op:
    """A boolean operator node; ``if``/``unless`` with an ``else`` have an ``else`` right."""

    op: str
    left: Node
    right: Node


Node = Atom | Op


def _tokens(text: str) -> list[str]:
    """Words and parentheses; a name's own balanced parentheses stay in the word."""
    out: list[str] = []
    for raw in text.split():
        word = raw.lstrip("(")
        out += ["("] * (len(raw) - len(word))
        closing = 0
        while word.endswith(")") and word.count(")") > word.count("("):
            word, closing = word[:-1], closing + 1
        if word:
            out.append(word)
        out += [")"] * closing
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise RichDepError(f"unexpected end of {self.text!r}")
        self.pos += 1
        return token

    def group(self) -> Node:
        if self.take() != "(":
            raise RichDepError(f"expected '(' in {self.text!r}")
        node = self.operand()
        while self.peek() in OPERATORS:
            op = self.take()
            right = self.operand()
            if op in ("if", "unless") and self.peek() == "else":
                self.take()
                right = Op("else", right, self.operand())
            node = Op(op, node, right)
        if self.take() != ")":
            raise RichDepError(f"expected ')' in {self.text!r}")
        return node

    def operand(self) -> Node:
        if self.peek() == "(":
            return self.group()
        words = [self.take()]
        if words[0] in OPERATORS or words[0] == ")":
            raise RichDepError(f"missing operand in {self.text!r}")
        if self.peek() in _COMPARISONS:
            words += [self.take(), self.take()]
        return Atom(" ".join(words))

    def parse(self) -> Node:
        node = self.group() if self.peek() == "(" else self.operand()
        if self.peek() is not None:
            raise RichDepError(f"trailing text in {self.text!r}")
        return node


@functools.lru_cache(maxsize=65536)
def parse(text: str) -> Node:
    """The tree of a dependency string (a plain one is a single Atom)."""
    return _Parser(text).parse()


def atoms(node: Node) -> list[Atom]:
    """Every plain dependency in the tree."""
    if isinstance(node, Atom):
        return [node]
    return atoms(node.left) + atoms(node.right)


@functools.lru_cache(maxsize=65536)
def capability_names(dep: str) -> frozenset[str]:
    """The capability names a dependency string mentions ("foo >= 2" -> {foo}; rich: all)."""
    if not dep.startswith("("):
        return frozenset(dep.split(None, 1)[:1])
    try:
        return frozenset(atom.name for atom in atoms(parse(dep)))
    except RichDepError:  # be generous: every word that is not an operator or a version
        words = [w for w in _tokens(dep) if w not in ("(", ")")]
        after = [words[i - 1] in _COMPARISONS for i in range(len(words))] if words else []
        return frozenset(
            w for w, v in zip(words, after, strict=True) if not v and w not in OPERATORS
        )


def holds(node: Node, present: Callable[[Atom], bool]) -> bool:
    """Whether the expression holds when ``present`` says which atoms are provided."""
    if isinstance(node, Atom):
        return present(node)
    op, left, right = node.op, node.left, node.right
    if op in ("if", "unless") and isinstance(right, Op) and right.op == "else":
        condition = holds(right.left, present)
        if op == "unless":
            condition = not condition
        return holds(left, present) if condition else holds(right.right, present)
    if op == "if":
        return holds(left, present) or not holds(right, present)
    if op == "unless":
        return holds(left, present) and not holds(right, present)
    if op in ("and", "with"):
        return holds(left, present) and holds(right, present)
    if op == "or":
        return holds(left, present) or holds(right, present)
    return holds(left, present)  # "without", and a stray "else"


def possible(node: Node, present: Callable[[Atom], bool]) -> bool:
    """Whether the expression may hold for some subset of what ``present`` allows.

    Monotone in ``present`` (unlike ``holds``), so a superset of the packages a solver
    may install gives an answer that is safe for every install set drawn from it:
    ``and``/``with`` need both sides possible, ``or`` either, ``without`` the first, and a
    conditional (``if``/``unless``, with or without ``else``) is always possible.
    """
    if isinstance(node, Atom):
        return present(node)
    op, left, right = node.op, node.left, node.right
    if op in ("if", "unless"):
        return True
    if op in ("and", "with"):
        return possible(left, present) and possible(right, present)
    if op == "or":
        return possible(left, present) or possible(right, present)
    return possible(left, present)  # "without", and a stray "else"
