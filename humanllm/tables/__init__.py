"""Table specs (`sweeps/tables/<name>.yaml`) and `humanllm table <name>`: the runs behind one paper table.

Was `humanllm.experiments` (and `humanllm experiment <name>`); the old module, command and public names
still work for one release, with a FutureWarning or, on the command line, a deprecation line.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable


def old_names(module: str, renamed: dict[str, str]) -> Callable[[str], object]:
    """A module `__getattr__` that still serves each old public name (old → new) with a FutureWarning."""

    def __getattr__(name: str) -> object:
        if name not in renamed:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} was renamed to {renamed[name]}; the old name goes away in the next release",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(sys.modules[module], renamed[name])

    return __getattr__
