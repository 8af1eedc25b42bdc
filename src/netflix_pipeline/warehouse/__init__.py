"""The warehouse layer: the one package that talks to Snowflake or the local emulator."""

from .connection import Warehouse, WarehouseError, WarehouseSettings, close_all, get_warehouse

__all__ = ["Warehouse", "WarehouseError", "WarehouseSettings", "close_all", "get_warehouse"]
