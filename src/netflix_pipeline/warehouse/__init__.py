"""The warehouse layer: the one package that talks to Snowflake or the local emulator.

- :mod:`.connection`: settings, the pool of connections, the run's registry of warehouses
- :mod:`.emulator`: the local emulator process (the only module that starts it)
- :mod:`.snowpark`: the run's Snowpark session
- :mod:`.schemas`: the schema names and the tables the Python code defines
- :mod:`.stage`: the stage files are copied from
- :mod:`.tables`: replacing the rows of several tables in one transaction
- :mod:`.datasets`: the catalog dataset types (the warehouse, a table as a pandas or a lazy
  Snowpark DataFrame)
"""

from .connection import Warehouse, WarehouseSettings, close_all, get_warehouse
from .errors import WarehouseError

__all__ = ["Warehouse", "WarehouseError", "WarehouseSettings", "close_all", "get_warehouse"]
