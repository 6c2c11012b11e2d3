"""Config values with one number per name (per channel, per message kind), built from a table.

The fields of such a class are not written out: :func:`one_number_each` gives it one ``float``
field per name of its table, in the table's order, so a name added to the table is a field of
the config schema with no other edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

import numpy as np

from sim.model.arrays import F64


class NumberPerName:
    """Base of a class made by :func:`one_number_each`: its values as an array, in name order."""

    NAMES: ClassVar[tuple[str, ...]] = ()

    if TYPE_CHECKING:  # the fields come from the table; a type checker sees them as floats

        def __init__(self, *values: float, **by_name: float) -> None: ...
        def __getattr__(self, name: str) -> float: ...
        def __setattr__(self, name: str, value: float) -> None: ...

    def array(self) -> F64:
        """The values as an array indexed by position in the table."""
        return np.array([getattr(self, n) for n in self.NAMES], dtype=np.float64)


T = TypeVar("T", bound=type[NumberPerName])


def one_number_each(names: tuple[str, ...]) -> Callable[[T], T]:
    """Class decorator: a dataclass with one required ``float`` field per name, in order.

    Hydra and OmegaConf see an ordinary dataclass, so they check each value's type and name the
    class of an unknown key as for a class written out by hand.
    """

    def build(cls: T) -> T:
        clashes = [name for name in names if hasattr(cls, name)]
        if clashes:
            raise TypeError(f"{cls.__name__}: a name of the table is also an attribute: {clashes}")
        cls.NAMES = names
        cls.__annotations__ = {name: float for name in names}
        dataclass(cls)  # in place: the class keeps its name, module and methods (and pickles)
        return cls

    return build
