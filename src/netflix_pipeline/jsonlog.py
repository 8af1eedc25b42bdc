"""JSON-lines log records for the cluster's log collector (conf/prod/logging.yml)."""

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
