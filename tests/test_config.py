"""Workspace configuration: toolkit.toml written by init, edited by hand, checked on load."""

from __future__ import annotations

import re

from datetime import date

import pytest

from toolkit.config import (
    CONFIG_NAME,
    ConfigError,
    find_workspace,
    init_workspace,
    load_workspace,
    parse_period,
)
from toolkit.model import Unit


def _write(tmp_path, text: str):
    (tmp_path / CONFIG_NAME).write_text(text, encoding="utf-8")
    return tmp_path


VALID = """
org = "XX市体育局"
[period]
code = "2022Q1"
[[units]]
code = "01"
name = "办公室"
[[units]]
code = "02"
name = "党建办"
"""


@pytest.mark.parametrize(
    "code, name, start, end",
    [
        ("2022Q1", "2022年第一季度", date(2022, 1, 1), date(2022, 3, 31)),
        ("2022q4", "2022年第四季度", date(2022, 10, 1), date(2022, 12, 31)),
        ("2022-02", "2022年2月", date(2022, 2, 1), date(2022, 2, 28)),
        ("2024M02", "2024年2月", date(2024, 2, 1), date(2024, 2, 29)),
        ("2022H2", "2022年下半年", date(2022, 7, 1), date(2022, 12, 31)),
        ("2022", "2022年度", date(2022, 1, 1), date(2022, 12, 31)),
    ],
)
def test_period_codes_give_name_and_dates(code, name, start, end):
    p = parse_period(code)
    assert (p.name, p.start, p.end) == (name, start, end)


@pytest.mark.parametrize("bad", ["2022Q5", "22Q1", "2022-13", "2022年13月", "2022年第五季度", "季度", "年", ""])
def test_bad_period_is_a_chinese_error_showing_the_forms(bad):
    with pytest.raises(ConfigError) as err:
        parse_period(bad)
    assert "2022Q1" in str(err.value) and "2022年第一季度" in str(err.value) and "无法识别" in str(err.value)


@pytest.mark.parametrize(
    "text, code",
    [
        ("2022年5月", "2022-05"), ("2022年05月份", "2022-05"), ("２０２２年４月", "2022-04"), ("2022 年 5 月", "2022-05"),
        ("2022年第二季度", "2022Q2"), ("2022年二季度", "2022Q2"), ("2022年第2季度", "2022Q2"), ("2022年Q3", "2022Q3"),
        ("二〇二二年三季度", "2022Q3"), ("2022年上半年", "2022H1"), ("2022年下半年", "2022H2"),
        ("2022年", "2022"), ("2022年度", "2022"),
        # without the year: the year given (the workspace's)
        ("二季度", "2023Q2"), ("第四季度", "2023Q4"), ("5月", "2023-05"), ("十二月", "2023-12"), ("上半年", "2023H1"),
    ],
)
def test_periods_written_in_chinese_are_understood(text, code):
    period = parse_period(text, 2023)
    assert period.code == code
    assert parse_period(period.name).code == code  # the names the toolkit prints are read back


def test_a_period_without_its_year_is_in_this_year_by_default():
    assert parse_period("二季度").code == f"{date.today().year}Q2"


def test_init_creates_config_and_folders_with_non_ascii_path(tmp_path):
    root = tmp_path / "工作区 二〇二二" / "党建办"
    ws = init_workspace(root, "XX市体育局", "2022Q1", units=[Unit("01", "办公室"), Unit("02", "党建办")],
                        report_date=date(2022, 4, 29))
    assert (root / CONFIG_NAME).is_file()
    for name in ("templates", "inbox", "output", "returns"):
        assert ws.folder(name).is_dir()
    again = load_workspace(root)
    assert again.org == "XX市体育局"
    assert again.period.name == "2022年第一季度"
    assert again.report.date == date(2022, 4, 29)
    assert [u.name for u in again.units] == ["办公室", "党建办"]
    assert again.report.signature == "XX市体育局"


def test_init_refuses_to_overwrite_an_existing_workspace(tmp_path):
    init_workspace(tmp_path, "XX局", "2022Q1")
    with pytest.raises(ConfigError, match="已存在"):
        init_workspace(tmp_path, "XX局", "2022Q2")


def test_missing_config_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    assert "找不到配置文件" in str(err.value) and "toolkit init" in str(err.value)


def test_missing_org_key_is_named(tmp_path):
    _write(tmp_path, VALID.replace('org = "XX市体育局"', ""))
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    assert "“org”" in str(err.value) and 'org = "XX市XX局"' in str(err.value)


def test_missing_period_code_is_named(tmp_path):
    _write(tmp_path, VALID.replace('code = "2022Q1"', ""))
    with pytest.raises(ConfigError, match="period.code"):
        load_workspace(tmp_path)


def test_bad_period_in_file(tmp_path):
    _write(tmp_path, VALID.replace("2022Q1", "2022年春"))
    with pytest.raises(ConfigError, match="统计期“2022年春”无法识别"):
        load_workspace(tmp_path)


def test_duplicate_unit_code_names_both_units(tmp_path):
    _write(tmp_path, VALID.replace('code = "02"', 'code = "01"'))
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    msg = str(err.value)
    assert "单位编码“01”重复" in msg and "办公室" in msg and "党建办" in msg


def test_unit_without_name_is_pointed_at(tmp_path):
    _write(tmp_path, VALID.replace('name = "党建办"', ""))
    with pytest.raises(ConfigError, match="第2个 \\[\\[units\\]\\]缺少“name”"):
        load_workspace(tmp_path)


def test_syntax_error_gives_a_hint_about_quotes(tmp_path):
    _write(tmp_path, 'org = XX局\n')
    with pytest.raises(ConfigError, match="引号"):
        load_workspace(tmp_path)


def test_bad_date_names_key_and_form(tmp_path):
    _write(tmp_path, VALID + '\n[report]\ndate = "4/29"\n')
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    assert "report.date" in str(err.value) and "2022-04-29" in str(err.value)


def test_chinese_date_text_is_accepted(tmp_path):
    _write(tmp_path, VALID + '\n[report]\ndate = "2022年4月29日"\n')
    assert load_workspace(tmp_path).report.date == date(2022, 4, 29)


def test_unknown_folder_key_is_rejected(tmp_path):
    _write(tmp_path, VALID + '\n[folders]\nrubbish = "x"\n')
    with pytest.raises(ConfigError, match="rubbish"):
        load_workspace(tmp_path)


def test_end_before_start_is_rejected(tmp_path):
    _write(tmp_path, VALID.replace('code = "2022Q1"', 'code = "2022Q1"\nstart = 2022-03-01\nend = 2022-01-01'))
    with pytest.raises(ConfigError, match="早于"):
        load_workspace(tmp_path)


def test_notepad_bom_is_accepted(tmp_path):
    (tmp_path / CONFIG_NAME).write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert load_workspace(tmp_path).org == "XX市体育局"


def test_a_file_saved_as_gbk_is_read_as_such(tmp_path):
    """Notepad on a Chinese Windows saves “ANSI” as GBK: read it, do not refuse it."""
    (tmp_path / CONFIG_NAME).write_bytes((VALID + '\n[report]\nrecipient = "市委组织部"\n').encode("gbk"))
    ws = load_workspace(tmp_path)
    assert ws.org == "XX市体育局" and ws.report.recipient == "市委组织部"


def test_a_gbk_file_is_edited_into_utf8(tmp_path):
    from toolkit.config import edit_config_text, read_config_text

    (tmp_path / CONFIG_NAME).write_bytes(VALID.encode("gbk"))
    text = edit_config_text(read_config_text(tmp_path / CONFIG_NAME), {("", "office"): "办公室"})
    (tmp_path / CONFIG_NAME).write_text(text, encoding="utf-8")
    assert load_workspace(tmp_path).office == "办公室" and load_workspace(tmp_path).org == "XX市体育局"


def test_a_file_in_neither_encoding_is_refused_with_what_to_do(tmp_path):
    (tmp_path / CONFIG_NAME).write_bytes(b'org = "\xff\xfe\x80"\n')
    with pytest.raises(ConfigError, match="另存为.*UTF-8"):
        load_workspace(tmp_path)


def test_staff_text_lists_are_read(tmp_path):
    _write(tmp_path, VALID + '\n[report_text]\nproblems = ["走访不够深入。", "  "]\nplans = "常态化走访。"\n')
    ws = load_workspace(tmp_path)
    assert ws.text.problems == ["走访不够深入。"]
    assert ws.text.plans == ["常态化走访。"]


def test_find_workspace_walks_up(tmp_path):
    init_workspace(tmp_path, "XX局", "2022Q1")
    deep = tmp_path / "收集文件" / "子目录"
    deep.mkdir(parents=True)
    assert find_workspace(deep) == tmp_path.resolve()


def test_misspelt_section_is_named_with_a_suggestion(tmp_path):
    _write(tmp_path, VALID + '\n[folderz]\ninbox = "收集"\n')
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    assert "“folderz”无法识别" in str(err.value) and "folders" in str(err.value)


def test_misspelt_key_inside_a_section_is_named(tmp_path):
    _write(tmp_path, VALID + '\n[report]\nrecipent = "市委组织部"\n')
    with pytest.raises(ConfigError, match="\\[report\\] 下的“recipent”无法识别，是不是“recipient”"):
        load_workspace(tmp_path)


def test_syntax_error_says_where(tmp_path):
    _write(tmp_path, 'org = "XX局"\n[period]\ncode = 2022Q1\n')
    with pytest.raises(ConfigError, match="第3行"):
        load_workspace(tmp_path)


def test_config_written_by_init_has_only_known_keys(tmp_path):
    from toolkit.config import render_config

    text = render_config("XX局", parse_period("2022Q1"), report_date=date(2022, 4, 29), as_of=date(2022, 4, 29))
    _write(tmp_path, text)
    assert load_workspace(tmp_path).org == "XX局"


def test_key_line_finds_a_key_in_its_section_and_its_nth_units_table():
    from toolkit.config import key_line

    text = ('org = "XX局"\n'          # 1
            "[period]\n"             # 2
            'code = "2022Q1"\n'      # 3
            "[[units]]\n"            # 4
            'code = "01"\n'          # 5
            "[[units]]\n"            # 6
            'code = "02"\n'          # 7
            'name = "党建办"\n')     # 8
    assert key_line(text, "org") == 1
    assert key_line(text, "period.code") == 3
    assert key_line(text, "units.code", 2) == 7 and key_line(text, "units.name", 2) == 8
    assert key_line(text, "units.name", 1) == 4  # not written: its table's header
    assert key_line(text, "report.title") is None


# --- toolkit.toml mistakes name their line and the usual slip ---------------------------------------


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _error(tmp_path, text: str) -> str:
    _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_workspace(tmp_path)
    return err.value.message


BASE = 'org = "XX市体育局"\n[period]\ncode = "2022Q1"\n'
UNITS = BASE + '\n[[units]]\ncode = "01"\nname = "办公室"\n'


def test_a_second_unit_without_its_units_header_names_the_line_and_the_slip(tmp_path):
    text = UNITS + 'code = "02"\nname = "党建办"\n'
    message = _error(tmp_path, text)
    line = _lines(text).index('code = "02"') + 1
    assert message.startswith(f"toolkit.toml 第{line}行（code = \"02\"）：同一节里“code”写了两次")
    assert "是不是漏了 [[units]]？" in message


def test_a_unit_written_under_another_section_names_the_line_and_the_slip(tmp_path):
    text = UNITS + '\n[folders]\ninbox = "收集文件"\ncode = "02"\nname = "党建办"\n'
    message = _error(tmp_path, text)
    line = _lines(text).index('code = "02"') + 1
    assert message.startswith(f"toolkit.toml 第{line}行：[folders] 下的“code”无法识别") and "是不是漏了 [[units]]" in message
    text = BASE.replace('org = "XX市体育局"', 'org = "XX市体育局"\nname = "党建办"')  # before any section
    message = _error(tmp_path, text)
    assert message.startswith("toolkit.toml 第2行：“name”无法识别") and "是不是漏了 [[units]]" in message


def test_single_brackets_for_a_unit_are_pointed_out(tmp_path):
    message = _error(tmp_path, BASE + '\n[units]\ncode = "01"\nname = "办公室"\n')
    assert "是不是把 [[units]] 写成了 [units]？" in message and re.match(r"toolkit\.toml 第\d+行：", message)


@pytest.mark.parametrize("change, expected", [
    (('org = "XX市体育局"', 'org = XX市体育局'), "文字要用英文双引号括起来"),
    (('org = "XX市体育局"', 'org = "XX市体育局'), "引号没有成对"),
    (('org = "XX市体育局"', 'org "XX市体育局"'), "缺少“=”"),
])
def test_syntax_errors_are_explained_in_chinese_on_their_line(tmp_path, change, expected):
    text = VALID.replace(*change)
    message = _error(tmp_path, text)
    line = next(n for n, l in enumerate(_lines(text), start=1) if l.startswith("org"))
    assert message.startswith(f"toolkit.toml 第{line}行（") and expected in message
    assert not re.search(r"[A-Za-z]{4,} [a-z]{3,}", message)  # no English sentence left


def test_duplicate_unit_codes_name_the_second_ones_line(tmp_path):
    text = UNITS + '\n[[units]]\ncode = "01"\nname = "党建办"\n'
    message = _error(tmp_path, text)
    line = len(_lines(text)) - 1
    assert message.startswith(f"toolkit.toml 第{line}行：单位编码“01”重复")
