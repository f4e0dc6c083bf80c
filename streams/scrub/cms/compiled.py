"""The CMS tables compiled into one file that loads in a fraction of a second.

Reading the official files costs tens of seconds (the NCCI PTP parts hold some 3 million rows);
the compiled form (``*.cmstables``) is written once — by ``claimflow rules compile CMS_DIR OUT``, or
by the first load of a folder, as a cache — and read at every start. Layout (little-endian)::

    MAGIC                      b"CLAIMFLOW-CMS-TABLES\\n"
    u32 format                 FORMAT (bumped whenever the layout or what the readers derive changes)
    u32 + meta JSON            fingerprint of the sources, their names, row counts, array directory
    u64 + tables JSON          the small tables: MUE tables, PPRRVU releases, HCPCS dates, PTP codes
    arrays                     the PTP columns (``PtpIndex.arrays``), 8-byte aligned

The fingerprint is a SHA-256 over every source file's table, name, size and bytes (and the format),
so a compiled file is used only for exactly the files it was compiled from; the arrays carry their
own SHA-256, so a truncated or damaged file is refused, never half-read.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import struct
import sys
import tempfile
from array import array
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from streams.scrub.cms.fees import FeeRow, FeeSchedule, Release
from streams.scrub.cms.hcpcs import HcpcsFile, InForce
from streams.scrub.cms.layout import CmsFileError
from streams.scrub.cms.mue import Mue, MueTable
from streams.scrub.cms.ptp import PtpIndex

MAGIC = b"CLAIMFLOW-CMS-TABLES\n"
FORMAT = 1
SUFFIX = ".cmstables"
CACHE_PREFIX = "claimflow-"
_CHUNK = 1 << 20
_ARRAY_ITEMSIZE = {"B": 1, "H": 2, "I": 4}


def fingerprint(files: Mapping[str, Sequence[Path]]) -> str:
    """SHA-256 over the format and every source file (table, name, size, bytes)."""
    digest = hashlib.sha256(MAGIC + struct.pack("<I", FORMAT))
    for table in sorted(files):
        for path in files[table]:
            size = path.stat().st_size
            digest.update(f"\n{table}\n{path.name}\n{size}\n".encode())
            with path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    digest.update(chunk)
    return digest.hexdigest()


def cache_name(fp: str) -> str:
    return f"{CACHE_PREFIX}{fp[:16]}{SUFFIX}"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _little(values: array) -> bytes:
    if sys.byteorder == "big":  # pragma: no cover - every platform claimflow runs on is little-endian
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def write_compiled(
    out: Path,
    *,
    fp: str,
    files: Mapping[str, Sequence[str]],
    official: Sequence[str],
    ptp: PtpIndex,
    mue: MueTable,
    fees: FeeSchedule,
    hcpcs: HcpcsFile,
) -> int:
    """Write the compiled form to ``out`` atomically (a temporary file renamed); returns its size."""
    blobs: list[bytes] = []
    directory: dict[str, list[Any]] = {}
    offset = 0
    for name, values in ptp.arrays.items():
        if values.itemsize != _ARRAY_ITEMSIZE[values.typecode]:  # pragma: no cover - exotic platforms
            raise CmsFileError(out, None, f"array {name}: unexpected item size {values.itemsize}")
        data = _little(values)
        pad = (-len(data)) % 8
        directory[name] = [values.typecode, offset, len(values)]
        blobs.append(data + b"\0" * pad)
        offset += len(data) + pad
    body = b"".join(blobs)
    tables = {
        "ptp": {"codes": ptp.codes, "rationales": ptp.rationales},
        "mue": [
            {
                "effective": _iso(effective),
                "rows": [[m.code, m.units, m.adjudication_indicator, m.rationale] for m in values.values()],
            }
            for effective, values in mue.versions
        ],
        "fees": [
            {
                "effective": _iso(release.effective),
                "label": release.label,
                "rows": [
                    [r.code, r.modifier, r.status, r.pctc, r.global_days, str(r.work_rvu), str(r.total_rvu)]
                    for r in release.rows.values()
                ],
            }
            for release in fees.releases
        ],
        "hcpcs": {
            "codes": [[c, _iso(s.added), _iso(s.terminated)] for c, s in hcpcs.codes.items()],
            "modifiers": [[c, _iso(s.added), _iso(s.terminated)] for c, s in hcpcs.modifiers.items()],
        },
    }
    tables_json = json.dumps(tables, separators=(",", ":")).encode()
    meta = {
        "format": FORMAT,
        "fingerprint": fp,
        "files": {table: list(names) for table, names in files.items()},
        "official": sorted(official),
        "rows": {
            "ptp": len(ptp),
            "ptp_codes": len(ptp.codes),
            "mue": len(mue),
            "fees": len(fees),
            "hcpcs_codes": len(hcpcs.codes),
            "hcpcs_modifiers": len(hcpcs.modifiers),
        },
        "arrays": directory,
        "arrays_bytes": len(body),
        "arrays_sha256": hashlib.sha256(body).hexdigest(),
    }
    meta_json = json.dumps(meta, separators=(",", ":")).encode()
    head = MAGIC + struct.pack("<II", FORMAT, len(meta_json)) + meta_json
    head += struct.pack("<Q", len(tables_json)) + tables_json
    head += b"\0" * ((-len(head)) % 8)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".compiling-", suffix=SUFFIX, dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head)
            fh.write(body)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(head) + len(body)


def _read_head(fh: Any, path: Path) -> tuple[dict[str, Any], int]:
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise CmsFileError(path, None, "not a compiled CMS tables file (claimflow rules compile writes them)")
    fixed = fh.read(8)
    if len(fixed) != 8:
        raise CmsFileError(path, None, "compiled CMS tables: truncated")
    version, meta_len = struct.unpack("<II", fixed)
    if version != FORMAT:
        raise CmsFileError(
            path, None, f"compiled with format {version}, this claimflow reads {FORMAT}: compile it again"
        )
    try:
        meta = json.loads(fh.read(meta_len))
    except ValueError:
        raise CmsFileError(path, None, "compiled CMS tables: damaged header") from None
    return meta, len(MAGIC) + 8 + meta_len


def read_meta(path: Path) -> dict[str, Any]:
    """The header of a compiled file (fingerprint, sources, row counts) without its tables."""
    try:
        with path.open("rb") as fh:
            return _read_head(fh, path)[0]
    except OSError as exc:
        raise CmsFileError(path, None, f"cannot be read: {exc.strerror or exc}") from None


def read_compiled(
    path: Path,
) -> tuple[dict[str, Any], PtpIndex, MueTable, FeeSchedule, HcpcsFile]:
    """The tables of a compiled file, with its header."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CmsFileError(path, None, f"cannot be read: {exc.strerror or exc}") from None
    meta, position = _read_head(io.BytesIO(data), path)
    with memoryview(data) as view:
        if len(view) < position + 8:
            raise CmsFileError(path, None, "compiled CMS tables: truncated")
        (tables_len,) = struct.unpack_from("<Q", view, position)
        position += 8
        try:
            tables = json.loads(view[position : position + tables_len].tobytes())
        except ValueError:
            raise CmsFileError(path, None, "compiled CMS tables: damaged tables section") from None
        position += tables_len
        position += (-position) % 8
        body = view[position:]
        if len(body) != meta["arrays_bytes"] or hashlib.sha256(body).hexdigest() != meta["arrays_sha256"]:
            raise CmsFileError(path, None, "compiled CMS tables: damaged or truncated (compile it again)")
        arrays: dict[str, array] = {}
        for name, (typecode, offset, count) in meta["arrays"].items():
            values = array(typecode)
            values.frombytes(body[offset : offset + count * values.itemsize])
            if sys.byteorder == "big":  # pragma: no cover
                values.byteswap()
            arrays[name] = values
        del body
    ptp = PtpIndex(
        tables["ptp"]["codes"],
        arrays["starts"],
        arrays["column2"],
        arrays["effective"],
        arrays["deleted"],
        arrays["meta"],
        arrays["rationale"],
        tables["ptp"]["rationales"],
    )
    mue = MueTable(
        [
            (_day(v["effective"]), {row[0]: Mue(row[0], row[1], row[2], row[3]) for row in v["rows"]})
            for v in tables["mue"]
        ]
    )
    fees = FeeSchedule(
        Release(
            _day(r["effective"]),
            r["label"],
            {
                (row[0], row[1]): FeeRow(
                    row[0], row[1], row[2], row[3], row[4], Decimal(row[5]), Decimal(row[6])
                )
                for row in r["rows"]
            },
        )
        for r in tables["fees"]
    )
    hcpcs = HcpcsFile(
        {c: InForce(_day(a), _day(t)) for c, a, t in tables["hcpcs"]["codes"]},
        {c: InForce(_day(a), _day(t)) for c, a, t in tables["hcpcs"]["modifiers"]},
    )
    return meta, ptp, mue, fees, hcpcs
