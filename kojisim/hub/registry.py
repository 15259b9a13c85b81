"""The table of exported hub methods."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from kojisim.core.model import Session, User
    from kojisim.sim import Sim

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Call:
    """What a method knows about the request it serves."""

    sim: Sim
    method: str
    session: Session | None = None
    user: User | None = None
    ssl_user: str | None = None
    wrote: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def logged_in(self) -> bool:
        return self.user is not None


@dataclass
class Method:
    name: str
    func: Callable[..., Any]
    writes: bool = False
    #: run while holding the state lock (False for methods that manage the lock themselves)
    locked: bool = True


METHODS: dict[str, Method] = {}


def export(
    name: str | None = None, *, writes: bool = False, locked: bool = True
) -> Callable[[F], F]:
    """Register a function as hub method ``name`` (default: the function's name)."""

    def decorator(func: F) -> F:
        method = name or func.__name__
        METHODS[method] = Method(method, func, writes=writes, locked=locked)
        return func

    return decorator
