"""What a load leaves in a warehouse, for tests that compare two ways of loading the same
files (worker processes, chunk sizes): the tables without load ids, the quarantine and the
load log without clock times."""
from __future__ import annotations


def snapshot(w, tables=("orders", "order_lines", "refunds")) -> dict:
    """``{name: frame}`` of ``tables`` (every column but ``_load_id``, rows sorted), the
    quarantine (file, table, row, column, reason, raw) and the load log's counts, encoding,
    status and message in load order."""
    out = {t: w.sql(f"SELECT * EXCLUDE (_load_id) FROM {t} ORDER BY ALL") for t in tables}
    out["quarantine"] = w.sql('SELECT file, table_name, row_number, "column", reason, raw '
                              "FROM quarantine ORDER BY ALL")
    out["load_log"] = w.sql(
        "SELECT file, format, table_name, rows_in, rows_loaded, rows_inserted, rows_updated, "
        "rows_unchanged, rows_quarantined, rows_blank, encoding, ignored_columns, status, "
        "message FROM load_log ORDER BY load_id")
    return out
