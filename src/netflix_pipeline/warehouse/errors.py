"""The error of the warehouse layer itself."""


class WarehouseError(RuntimeError):
    """The warehouse could not be reached or refused a statement."""
