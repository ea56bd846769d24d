"""The landing zone's records counted in plain Python, on tiny hand-written files.

Every expected count is written by hand from the file's bytes; the one exception
(a gzip file cut mid-block) is checked against Python's own line iteration, the
reading Spark's text reader was measured to agree with.
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import pytest

from lakehouse.lib.sources import landed
from lakehouse.lib.sources.landed import landed_records

CSV_KEYS = {"customers": "customer_id", "products": "product_id", "fx_rates": "date"}


def write(landing: Path, relative: str, data: bytes) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def counted(landing: Path, source: str) -> int:
    return landed_records(landing, CSV_KEYS)[source]


def flushed_gzip(lines: int, flush_after: int) -> tuple[bytes, bytes]:
    """A gzip stream of ``lines`` JSON lines, fully flushed after ``flush_after``: (bytes to the flush, the rest)."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    text = [f'{{"event_id": "E{i:04d}", "qty": {i % 7}}}\n'.encode() for i in range(lines)]
    head = packer.compress(b"".join(text[:flush_after])) + packer.flush(zlib.Z_FULL_FLUSH)
    return head, packer.compress(b"".join(text[flush_after:])) + packer.flush()


# --- line-based sources --------------------------------------------------------------------------------------

def test_every_line_counts_blank_ones_and_all_three_line_ends(tmp_path):
    write(tmp_path, "clickstream/a.jsonl", b'{"a": 1}\r\n\r\n{"a": 2}\r{"a": 3}\n\n')
    assert counted(tmp_path, "clickstream") == 5


def test_only_newline_carriage_return_and_crlf_end_a_line(tmp_path):
    write(tmp_path, "reviews/a.jsonl", '{"body": "a\x0bb\x0cc\x1cd\x85e\u2028f\u2029g"}\n'.encode())
    assert counted(tmp_path, "reviews") == 1


def test_a_last_line_without_a_newline_counts(tmp_path):
    write(tmp_path, "server_logs/a.log", b"first\nsecond")
    write(tmp_path, "server_logs/b.log", b"only\r")
    assert counted(tmp_path, "server_logs") == 3


@pytest.mark.parametrize("chunk", [1, 2, 3, 5])
def test_a_crlf_split_between_two_reads_is_one_line_end(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(landed, "CHUNK_BYTES", chunk)
    write(tmp_path, "search/a.jsonl", b"ab\r\ncd\r\r\nef\rg")
    assert counted(tmp_path, "search") == 5


def test_an_empty_file_counts_nothing(tmp_path):
    write(tmp_path, "search/empty.jsonl", b"")
    write(tmp_path, "search/empty.jsonl.gz", gzip.compress(b""))
    assert counted(tmp_path, "search") == 0


def test_hidden_files_and_folders_are_skipped_nested_ones_are_not(tmp_path):
    write(tmp_path, "inventory/dt=2026-11-20/hour=10/part-0001.jsonl", b"one\ntwo\n")
    write(tmp_path, "inventory/dt=2026-11-20/.part-0002.jsonl.tmp", b"hidden\n")
    write(tmp_path, "inventory/dt=2026-11-20/_SUCCESS", b"marker\n")
    write(tmp_path, "inventory/_temporary/0/part-0003.jsonl", b"not yet landed\n")
    write(tmp_path, "inventory/.staging/part-0004.jsonl", b"not yet landed\n")
    assert counted(tmp_path, "inventory") == 2


def test_a_whole_gzip_file_counts_its_lines(tmp_path):
    write(tmp_path, "orders/a.jsonl.gz", gzip.compress(b"1\n2\n3\n4"))
    assert counted(tmp_path, "orders") == 4


def test_a_truncated_gzip_file_counts_the_lines_that_decompressed(tmp_path):
    head, _ = flushed_gzip(400, flush_after=250)
    write(tmp_path, "clickstream/cut-at-flush.jsonl.gz", head)
    write(tmp_path, "server_logs/cut-in-header.log.gz", head[:6])
    assert counted(tmp_path, "clickstream") == 250
    assert counted(tmp_path, "server_logs") == 0


def test_a_gzip_file_cut_mid_block_counts_what_python_iteration_reads(tmp_path):
    head, rest = flushed_gzip(400, flush_after=250)
    path = write(tmp_path, "clickstream/cut-mid-block.jsonl.gz", head + rest[:len(rest) // 2])
    iterated = 0
    with pytest.raises(EOFError):
        for _ in gzip.open(path, "rb"):
            iterated += 1
    assert 250 < iterated < 400
    assert counted(tmp_path, "clickstream") == iterated


# --- CSV sources ---------------------------------------------------------------------------------------------

def test_csv_with_bom_and_crlf_counts_records_not_the_header(tmp_path):
    write(tmp_path, "customers/a.csv", b"\xef\xbb\xbfcustomer_id,email\r\nC1,a@example.com\r\nC2,\r\n")
    assert counted(tmp_path, "customers") == 2


def test_a_bom_before_a_quoted_header_is_not_part_of_its_first_cell(tmp_path):
    write(tmp_path, "customers/a.csv", b'\xef\xbb\xbf"customer_id","email"\r\nC1,a@example.com\r\n')
    assert counted(tmp_path, "customers") == 1


def test_a_quoted_line_break_and_doubled_quotes_stay_in_one_record(tmp_path):
    write(tmp_path, "products/a.csv",
          b'product_id,name\nP1,"Ironleaf\nCast Iron Skillet 12"""\nP2,"Mug, ""XL""\r\nblue"\nP3,Plate\n')
    assert counted(tmp_path, "products") == 3


def test_every_header_row_is_skipped_wherever_it_is_and_however_ordered(tmp_path):
    write(tmp_path, "products/joined.csv", b"product_id,name\nP1,a\nproduct_id,name\nP2,b\n")
    write(tmp_path, "products/reordered.csv", b"name, product_id \nc,P3\n")
    write(tmp_path, "customers/two-exports.csv",
          b"\xef\xbb\xbfcustomer_id,x\r\nC1,a\r\n\xef\xbb\xbfcustomer_id,x\r\nC2,b\r\n")
    assert counted(tmp_path, "products") == 3
    assert counted(tmp_path, "customers") == 2


def test_a_csv_without_final_newline_and_a_blank_line_both_count(tmp_path):
    write(tmp_path, "fx_rates/a.csv", b"date,currency,usd_per_unit\n2026-11-20,EUR,1.08\n\n2026-11-20,GBP,1.27")
    assert counted(tmp_path, "fx_rates") == 3


def test_a_gzip_csv_is_read_like_a_plain_one(tmp_path):
    write(tmp_path, "customers/a.csv.gz", gzip.compress(b'customer_id,city\r\nC1,"Washington, D.C."\r\n'))
    assert counted(tmp_path, "customers") == 1


def test_a_truncated_gzip_csv_counts_the_records_before_the_cut(tmp_path):
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)
    head = packer.compress(b'customer_id,city\r\nC1,Austin\r\nC2,"Two\r\nLines"\r\nC3,Lyon\r\n')
    head += packer.flush(zlib.Z_FULL_FLUSH)
    write(tmp_path, "customers/cut.csv.gz", head)  # cut at the flush: C4 and the stream's end never came
    assert counted(tmp_path, "customers") == 3


# --- folders ----------------------------------------------------------------------------------------------

def test_missing_folders_count_zero_and_every_folder_found_is_counted(tmp_path):
    write(tmp_path, "clickstream/a.jsonl", b"x\n")
    write(tmp_path, "_checkpoints/clickstream/0", b"v1\n")
    assert landed_records(tmp_path, CSV_KEYS) == {"clickstream": 1, "customers": 0, "products": 0, "fx_rates": 0}
    assert landed_records(tmp_path, CSV_KEYS)["search"] == 0
    assert landed_records(tmp_path / "nowhere", CSV_KEYS) == {"customers": 0, "products": 0, "fx_rates": 0}
