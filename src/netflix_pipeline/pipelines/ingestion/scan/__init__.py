"""The structural pass over each raw CSV file: records typed and checked, malformed ones set aside.

One pass per file (:mod:`.structural`) goes through five steps, each in its own module, each
making what the steps after it read:

0. :mod:`.physical` applies the line grammar: a file that is not all plain lines is walked
   line by line; its broken lines are set aside, and DuckDB reads a cleaned copy when needed.
   The steps below run in one DuckDB session.
1. :mod:`.records` reads the file (or its copy) once. The records DuckDB's CSV reader keeps
   are typed and checked as they stream by, and written in file order to a Parquet file: the
   view ``kept``.
   The records it sets aside (wrong number of columns) are ``set_aside``.
2. :mod:`.lines` numbers the physical lines of both, the header being line 1: ``kept_newlines``,
   ``blank_lines``, ``skipped``, ``skip_totals``, ``set_aside_lines`` and ``shift_steps``.
3. :mod:`.landing` lands the kept records: numbered when the file has a key
   (:attr:`..contracts.FileContract.numbered`), since the warehouse keeps the first row of each
   key in file order; else the first step's file is the landed file.
4. :mod:`.rejects` writes the set-aside records and broken lines (``malformed_rejects``) and,
   for a file without a key, its faulty rows (``value_rejects``) to a second Parquet file in
   the shape of ``REJECTED_ROWS``, and counts them by kind.

What the pass hands to the warehouse load is a :class:`ScannedFile`.
"""

from .records import FAULT_COLUMN
from .scanned import ScannedFile
from .structural import StructuralPass, structural_pass

__all__ = ["FAULT_COLUMN", "ScannedFile", "StructuralPass", "structural_pass"]
