"""The error of the warehouse layer itself."""


class WarehouseError(RuntimeError):
    """The warehouse could not be reached or refused a statement."""


class WarehouseSetupError(WarehouseError):
    """The account lacks what its administrator's setup script makes (a schema, a grant)."""
