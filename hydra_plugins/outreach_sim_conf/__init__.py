"""Search path: outreach-sim also reads ``./conf`` (the current folder's), when it exists.

``outreach-sim-fit`` writes a fitted model to ``conf/model/fitted_<name>.yaml``; with this
folder on the search path, ``outreach-sim model=fitted_<name>`` works from the same folder at
once, with no ``hydra.searchpath`` to type. Only the project's own app gets it (its primary
config source is the package's ``sim/conf``), and only a folder that exists: a missing one would
make Hydra warn on every run. Configs read from it are checked like any other (sim.cli.guard).
"""

from __future__ import annotations

from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

#: The folder, relative to the current one, added to the search path.
USER_CONF = "conf"


class OutreachSimUserConf(SearchPathPlugin):
    """Append ``file://$PWD/conf`` to outreach-sim's config search path."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        """Add the folder when this is outreach-sim's search path and the folder exists."""
        ours = any(
            str(element.path).replace("\\", "/").rstrip("/").endswith("sim/conf")
            for element in search_path.get_path()
        )
        folder = Path(USER_CONF).resolve()
        if ours and folder.is_dir():
            search_path.append(provider="outreach-sim-user", path=f"file://{folder}")
