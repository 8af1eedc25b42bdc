"""Log formats that carry the run id: JSON lines for the cluster's log collector
(conf/prod/logging.yml) and text lines for a terminal (conf/logging.yml).

Kedro loads formatter classes only from the modules in ``KEDRO_LOGGING_MODULE_ALLOWLIST``: the
Makefile and the image set it to this module.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from .runs import identity


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, run id, logger, message, and the traceback if
    any."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "run_id": getattr(record, "run_id", None) or identity.for_log(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A format string that may name ``%(run_id)s``: the run's id, even on the lines logged
    before the project's settings are read."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "run_id"):
            record.run_id = identity.for_log()
        return super().format(record)
