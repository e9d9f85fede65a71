"""Value classes without ``dataclasses`` (issue 8: ``dataclasses`` imports ``inspect``, tens of
milliseconds on a hook start).

A subclass lists its fields in ``_FIELDS`` (the constructor's order) and sets ``__slots__``;
:class:`Record` gives it the dataclass-style ``==`` (same class, equal fields) and ``repr``;
:class:`FrozenRecord` adds ``hash`` for values that are used as dict keys or in sets. A leaf:
imports nothing.
"""

from __future__ import annotations


class Record:
    """``==`` and ``repr`` over ``_FIELDS``; unhashable (mutable), as a plain dataclass.

    ``_COMPARED``, when set, are the fields ``==`` (and a :class:`FrozenRecord`'s hash) look at
    (``field(compare=False)``: a rule's source); ``_HIDDEN`` fields are compared but left out of
    the ``repr`` (raw event bodies)."""

    __slots__ = ()
    _FIELDS: tuple[str, ...] = ()
    _COMPARED: tuple[str, ...] = ()
    _HIDDEN: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, k) for k in self._COMPARED or self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = (k for k in self._FIELDS if k not in self._HIDDEN)
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)!r}' for k in shown)})"


class FrozenRecord(Record):
    """A :class:`Record` that is hashable (immutable by convention, like a frozen
    dataclass: nothing assigns its fields after construction)."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._values())
