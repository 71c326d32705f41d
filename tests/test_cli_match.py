"""``opinion match``: the real command on texts, files and rule files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from opinion_spiders import cli
from tests._proc import ROOT, run_opinion

QUIET = "2026-03-10T10:00"  # no sensitive period of the bundled calendar is active then

RULES = """
[lists]
officials = ["书记", "局长"]

[[rule]]
id = "beating"
name = "干部打人"
severity = 3
weight = 4
near = ["@officials", "打人"]
within = 6
"""


def test_cli_match_prints_rules_positions_and_score() -> None:
    text = "村干部贪*污，还有人受賄"
    out = run_opinion("match", "--at", QUIET, text).stdout
    assert "corruption (腐败线索)" in out
    start = text.index("贪")
    assert f"content[{start}:{start + 3}]" in out  # 贪*污 in the original text
    assert "score 30" in out and "severity 3 × weight 10" in out


def test_cli_match_json_lists_only_fired_rules(tmp_path: Path) -> None:
    rules = tmp_path / "watch.toml"
    rules.write_text(RULES, encoding="utf-8")
    text = "昨天有个书记在街上打人"
    out = run_opinion("match", "--rules", str(rules), "--json", "--at", QUIET, text).stdout
    result = json.loads(out)
    (match,) = result["matches"]
    assert match["rule"] == "beating" and match["name"] == "干部打人"
    assert [text[h["start"] : h["end"]] for h in match["hits"]] == ["书记", "打人"]
    assert result["score"] == 12.0
    assert [c["value"] for c in result["contributions"]] == [12.0]


def test_cli_match_nothing_fired_still_exits_zero(tmp_path: Path) -> None:
    proc = run_opinion("match", "--json", "--at", QUIET, "他很能干部分工作没做完")
    assert json.loads(proc.stdout) == {
        "matches": [], "entities": [], "periods": [], "score": 0, "contributions": [],
    }  # fmt: skip
    assert "no rule fired" in run_opinion("match", "今天天气很好").stdout


def test_cli_match_scores_as_the_crawl_would(tmp_path: Path) -> None:
    """Watched entities near the rule's term and the periods active at ``--at`` add their
    contributions, as the crawl's entity and period stages and scoring plugins do."""
    text = "臨江市城管局的王書記強*拆了我家房子"
    out = run_opinion("match", "--json", "--at", "2026-11-25T10:00", text).stdout
    result = json.loads(out)
    assert [m["rule"] for m in result["matches"]] == ["land"]
    found = {e["id"]: e for e in result["entities"]}
    assert set(found) == {"lj-chengguan", "lj-party-secretary"}
    (hit,) = found["lj-party-secretary"]["hits"]
    assert text[hit["start"] : hit["end"]] == "王書記" and found["lj-party-secretary"]["near"]
    assert "chengbei-land-notice" in {p["id"] for p in result["periods"]}
    by_source: dict[str, float] = {}
    for c in result["contributions"]:
        by_source[c["source"]] = by_source.get(c["source"], 0) + c["value"]
    assert by_source["rules"] == 16 and by_source["period"] == 4 and by_source["entity"] > 0
    assert result["score"] == sum(by_source.values())
    quiet = json.loads(run_opinion("match", "--json", "--at", QUIET, text).stdout)
    assert quiet["periods"] == [] and "period" not in {c["source"] for c in quiet["contributions"]}
    assert (
        "entity 王立新 (official, lj-party-secretary): 王書記"
        in run_opinion("match", "--at", QUIET, text).stdout
    )


def test_cli_match_bad_time_is_a_clear_error() -> None:
    proc = run_opinion("match", "--at", "tomorrow", "文本", check=False)
    assert proc.returncode == 2 and "--at" in proc.stderr and "ISO" in proc.stderr


def test_cli_match_prints_no_library_warnings() -> None:
    """jieba imports the deprecated pkg_resources; users must not see setuptools' warning."""
    proc = run_opinion("match", "违规强拆")
    assert "Warning" not in proc.stderr and "pkg_resources" not in proc.stderr


def test_cli_match_reads_a_file(tmp_path: Path) -> None:
    post = tmp_path / "post.txt"
    post.write_text("标题\n违规强拆，补偿款不到位\n", encoding="utf-8")
    result = json.loads(run_opinion("match", "--file", str(post), "--json").stdout)
    assert [m["rule"] for m in result["matches"]] == ["land"]


def test_cli_match_bad_rule_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    rules = tmp_path / "bad.toml"
    rules.write_text('[[rule]]\nid = "a"\nany = ["@nope"]\n', encoding="utf-8")
    proc = run_opinion("match", "--rules", str(rules), "文本", check=False)
    assert proc.returncode == 2
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith("opinion: error:")]
    assert str(rules) in line and "line 3" in line and "@nope" in line
    assert run_opinion("match", check=False).returncode == 2


def test_cli_match_imports_no_other_command() -> None:
    """``opinion match`` builds only its own part of the parser: no other command's module,
    nor what only they need (the workspace, search and export, the crawler)."""
    probe = f"""
import json, sys
from opinion_spiders import cli
argv = ["match", "--json", "--at", "{QUIET}", "违规强拆"]
cli.build_parser(argv)
parser_only = set(sys.modules)
code = cli.main(argv)
print(json.dumps([code, sorted(parser_only), sorted(sys.modules)]))
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    code, at_parser, at_end = json.loads(done.stdout.splitlines()[-1])
    assert code == 0
    assert "opinion_spiders.reading" not in at_parser and "opinion_spiders.web" not in at_parser
    commands = {f"opinion_spiders.cli.{module}" for module, _ in cli.COMMANDS.values()}
    assert commands & set(at_end) == {"opinion_spiders.cli.match"}
    only_others = ("opinion_spiders.web", "opinion_spiders.analysis.search", "opinion_spiders.analysis.export",
                   "opinion_spiders.crawling.runner", "opinion_spiders.scaffold.new_site", "scrapy", "twisted")  # fmt: skip
    assert [m for m in only_others if m in at_end] == []


def test_cli_help_and_usage_errors_load_no_command() -> None:
    """``opinion --help`` lists every command from the table alone; a missing or unknown
    command is argparse's usage error (exit 2) without loading any command either."""
    probe = """
import contextlib, io, json, sys
from opinion_spiders import cli
out = []
for argv in (["--help"], [], ["nosuch"]):
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
        try:
            cli.main(argv)
        except SystemExit as exc:
            out.append([exc.code, text.getvalue()])
print(json.dumps([out, sorted(sys.modules)]))
"""
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          env={**os.environ, "COLUMNS": "200"}, text=True, timeout=120,
                          check=True)  # fmt: skip
    (help_, missing, unknown), modules = json.loads(done.stdout.splitlines()[-1])
    assert help_[0] == 0
    for name, (_, line) in cli.COMMANDS.items():
        assert name in help_[1] and line in help_[1]
    assert missing[0] == 2 and "the following arguments are required: command" in missing[1]
    assert unknown[0] == 2 and "invalid choice: 'nosuch'" in unknown[1]
    commands = {f"opinion_spiders.cli.{module}" for module, _ in cli.COMMANDS.values()}
    assert commands & set(modules) == set()


def test_at_without_an_offset_is_read_in_opinion_timezone() -> None:
    """``--at`` without an offset is the analysts' wall clock: ``OPINION_TIMEZONE``
    (Asia/Shanghai unless set), the zone every command shows times in; the periods calendar
    shows the moment in its own zone."""
    at = ("periods", "--at", "2026-05-01T10:00")
    assert run_opinion(*at).stdout.startswith("Now 2026-05-01 10:00 (Asia/Shanghai)")
    berlin = run_opinion(*at, "-s", "OPINION_TIMEZONE=Europe/Berlin").stdout
    assert berlin.startswith("Now 2026-05-01 16:00 (Asia/Shanghai)"), berlin
