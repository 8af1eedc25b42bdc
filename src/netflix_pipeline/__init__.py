"""netflix-pipeline: which movie genres perform best, decade by decade."""

from .runs import identity as _identity

__version__ = "0.1.0"

# Every log record carries the run's id (`%(run_id)s` in conf/logging.yml, a field of the JSON
# lines), from the moment anything of the project is imported: Kedro configures logging first.
_identity.install_log_field()
