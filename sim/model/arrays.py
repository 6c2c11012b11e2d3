"""The array types every layer shares (NumPy's typed arrays, named once).

Population state, plans and draws are columns of these; a module imports the names it uses from
here instead of defining its own aliases.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
#: Any float array: the response functions keep the precision they are given.
Floats = npt.NDArray[np.floating[Any]]
B = npt.NDArray[np.bool_]
I8 = npt.NDArray[np.int8]
I16 = npt.NDArray[np.int16]
I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
IntArray = npt.NDArray[np.integer[Any]]

__all__ = ["F32", "F64", "I8", "I16", "I64", "U64", "B", "Floats", "IntArray"]
