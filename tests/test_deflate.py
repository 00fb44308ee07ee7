"""toolkit.deflate: the same bytes as zipfile, with ISA-L or without it."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from toolkit import deflate

XML = ("<row>" + "".join(f'<c r="A{i}" t="inlineStr"><is><t>走访记录第{i}行</t></is></c>' for i in range(3000))
       + "</row>").encode()


def _package(compression: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as z:
        z.writestr("xl/worksheets/sheet1.xml", XML)
        z.writestr("xl/empty.xml", b"")
        z.writestr("docProps/app.xml", b"<Properties/>")
    return buf.getvalue()


@pytest.fixture(params=["isal", "zlib"])
def engine(request, monkeypatch):
    if request.param == "zlib":
        monkeypatch.setattr(deflate, "_isal", None)
    elif not deflate.available():
        pytest.skip("isal is not installed")
    return request.param


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_read_member_returns_what_zipfile_reads(engine, compression):
    with zipfile.ZipFile(io.BytesIO(_package(compression))) as z:
        for name in z.namelist():
            assert deflate.read_member(z, name) == z.read(name)
        with pytest.raises(KeyError):
            deflate.read_member(z, "xl/worksheets/sheet9.xml")


def test_with_isal_deflated_members_are_not_read_through_zipfile(monkeypatch):
    if not deflate.available():
        pytest.skip("isal is not installed")
    with zipfile.ZipFile(io.BytesIO(_package(zipfile.ZIP_DEFLATED))) as z:
        expected = z.read("xl/worksheets/sheet1.xml")

        def refuse(*args, **kwargs):
            raise AssertionError("read through zipfile, not ISA-L")

        monkeypatch.setattr(z, "read", refuse)
        assert deflate.read_member(z, "xl/worksheets/sheet1.xml") == expected


def test_a_damaged_member_is_left_to_zipfile_to_report(engine):
    data = bytearray(_package(zipfile.ZIP_DEFLATED))
    start = data.index(b"PK\x03\x04") + 30 + len("xl/worksheets/sheet1.xml") + 40
    data[start:start + 8] = b"\x00" * 8  # corrupt the deflate stream of the sheet
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        with pytest.raises((zipfile.BadZipFile, zlib.error)) as info:
            deflate.read_member(z, "xl/worksheets/sheet1.xml")
        assert not isinstance(info.value, KeyError)


@pytest.mark.parametrize("level", [1, 6, 9])
def test_members_written_through_speed_up_writer_are_valid_deflate(engine, level):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        with z.open("xl/worksheets/sheet1.xml", "w") as dest:
            deflate.speed_up_writer(dest, level)
            swapped = type(dest._compressor).__module__
            for i in range(0, len(XML), 7000):
                dest.write(XML[i:i + 7000])
    if engine == "isal":
        assert "isal" in swapped  # the fast compressor was really used
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        assert z.testzip() is None  # CRC and sizes as zipfile expects
        assert z.read("xl/worksheets/sheet1.xml") == XML
        assert z.getinfo("xl/worksheets/sheet1.xml").compress_size < len(XML) // 5


def test_speed_up_writer_leaves_a_started_member_alone(engine):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("a.xml", "w") as dest:
            dest.write(XML[:100])
            before = dest._compressor
            deflate.speed_up_writer(dest, 1)  # too late: zlib already holds part of the stream
            assert dest._compressor is before
            dest.write(XML[100:])
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        assert z.read("a.xml") == XML
