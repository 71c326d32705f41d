"""``bench.site``, the crawl benches' generated site, at a small size: every kind in the
encoding its mix entry names, and the four sides of ``bench.vs_scrapy`` (stock Scrapy,
``opinion crawl`` with every pipeline into the embedded store, the lean fetcher, ``opinion
crawl`` into FerretDB) fetching the same pages and reading the same posts on every site, over
plain HTTP."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from bench import site, vs_scrapy


def test_bench_site_mix_names_a_site_a_host_each() -> None:
    specs = site.parse_mix("forum/gbk=3,forum/gbk=1,postbar/utf-8=1,portal/GBK=1")
    assert [(s.kind, s.encoding) for s in specs] == [
        ("forum", "gbk"), ("forum", "gbk"), ("postbar", "utf-8"), ("portal", "gbk"),
    ]  # fmt: skip
    assert len({s.name for s in specs}) == len({s.host for s in specs}) == 4
    assert site.split_threads(specs, 61) == [31, 10, 10, 10]
    with pytest.raises(ValueError, match="kind/encoding=share"):
        site.parse_mix("blog/gbk=1")


def test_bench_site_renders_each_kind_in_its_encoding(tmp_path: Path) -> None:
    mix = "forum/utf-8=2,postbar/gbk=1,portal/gbk=1,portal/utf-8=1"
    generated = site.generate(tmp_path, 30, 5, mix)
    for spec in generated.specs:
        files = list((tmp_path / spec.name).iterdir())
        assert len(files) == generated.pages[spec.name] > 1
        for file in files:
            text = file.read_bytes().decode(spec.charset)  # strict: the bytes are that encoding
            declared = re.search(r"<meta[^>]*charset=[\"']?([\w-]+)", text, re.I)
            assert declared and declared.group(1).lower() == spec.charset, (spec.name, file)
    bar = next(s for s in generated.specs if s.kind == "postbar")
    assert all("mo_device=1" in start for start in generated.starts[bar.name])


def test_bench_site_every_side_reads_the_same_pages_and_posts(
    tmp_path: Path, mongo_uri: str
) -> None:
    folder = tmp_path / "site"
    generated = site.generate(folder, 40, 3)
    assert {s.kind for s in generated.specs} == set(site.KINDS)
    assert {s.encoding for s in generated.specs} == set(site.ENCODINGS)
    with site.served(folder) as port:
        runs = [vs_scrapy.RUNNERS[side](folder, port, tmp_path / side) for side in "ABC"]
        runs.append(vs_scrapy.run_ferretdb(folder, port, tmp_path / "D", mongo_uri))
    vs_scrapy.check_runs(runs)  # raises unless every side saw the same pages and posts
    assert runs[3].side == "D" and runs[3].sites == runs[1].sites
    assert set(runs[0].sites) == {s.name for s in generated.specs}
    for spec in generated.specs:
        pages, posts = runs[1].sites[spec.name]
        assert pages == generated.pages[spec.name] and posts > 0, spec.name


def test_bench_vs_scrapy_reads_a_process_cpu_from_proc() -> None:
    """Side D's server CPU comes from /proc/<pid>/stat: for this process it is what
    ``time.process_time`` says (user + system of every thread), to the clock tick."""
    sum(i * i for i in range(300_000))
    read, own = vs_scrapy.process_cpu(os.getpid()), time.process_time()
    assert read is not None and abs(read - own) < 0.1
    assert vs_scrapy.process_cpu(None) is None


def test_bench_vs_scrapy_reads_when_a_run_fetched_from_the_servers_log(tmp_path: Path) -> None:
    """nginx logs each answer's time (``$msec``); a run's window is the lines logged after
    the offset the log had when the run began, and its ends are what it spent before its
    first answer and after its last."""
    log = tmp_path / "access.log"
    assert vs_scrapy.fetch_window(log, 0) is None  # no log: the Python server's runs
    log.write_text("100.000\n100.500\n")
    offset = log.stat().st_size
    assert vs_scrapy.fetch_window(log, offset) is None  # nothing logged since
    with log.open("a") as lines:
        lines.write("200.250\n199.900\n203.125\n\n")
    assert vs_scrapy.fetch_window(log, offset) == (199.9, 203.125)
    run = vs_scrapy.Run("B", {"s": (3, 9)}, wall=5.0, cpu=4.0, launched=199.0, ended=204.0)
    assert run.ends is None
    run.fetched = vs_scrapy.fetch_window(log, offset)
    start, tail = run.ends or (0.0, 0.0)
    assert round(start, 3) == 0.9 and round(tail, 3) == 0.875
    other = vs_scrapy.Run("A", {"s": (3, 9)}, wall=4.0, cpu=2.0)
    assert vs_scrapy.ends_lines({"A": [other], "B": [run]}) == [
        "  start (launch → first answer) / tail (last answer → exit), s: "
        "B 0.9 (0.9–0.9) / 0.9 (0.9–0.9)"
    ]
    assert vs_scrapy.ends_lines({"A": [other]}) == []


def test_bench_vs_scrapy_runs_side_d_on_a_server_given_by_uri(
    mongo_uri: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--mongodb URI``: side D on a MongoDB-wire server the bench did not start (here the
    tests' FerretDB; a real mongod the same way), named from its ``buildInfo``, its CPU read
    from the process listening on the URI's port, each run's database dropped after it."""
    from pymongo import MongoClient

    code = vs_scrapy.main(
        ["--threads", "30", "--reps", "1", "--server", "python", "--mongodb", mongo_uri]
    )
    out, err = capsys.readouterr()
    assert code == 0, err[-3000:]
    assert re.search(r"FerretDB v?1\.24\.\d+ on mongodb://\S+ \(pid \d+\)", err), err[-2000:]
    assert re.search(r"^  D opinion crawl, MongoDB-wire server\s+\d", out, re.M), out
    assert re.search(r"ratio D/A pages/s, per round of runs: [\d.]+ \(", out), out
    assert re.search(r"ratio D/B pages/s \(FerretDB v?1\.24\.\d+ against the embedded", out)
    assert re.search(r"D's server \(FerretDB v?1\.24\.\d+\), not in D's CPU above: [\d.]+ ", out)
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    try:
        assert not [n for n in client.list_database_names() if n.startswith("vs_scrapy_")]
    finally:
        client.close()


def test_bench_vs_scrapy_names_the_database_and_finds_a_listener() -> None:
    assert (
        vs_scrapy.database_uri("mongodb://127.0.0.1:27017/?directConnection=true", "vs_1")
        == "mongodb://127.0.0.1:27017/vs_1?directConnection=true"
    )
    assert vs_scrapy.database_uri("mongodb://h:1/old", "vs_2") == "mongodb://h:1/vs_2"
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert vs_scrapy.listening_pid(port) == os.getpid()
    assert vs_scrapy.listening_pid(port) is None  # closed: nothing listens there now


def test_bench_vs_scrapy_mongodb_needs_side_d_and_a_server_that_answers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        vs_scrapy.main(["--sides", "ABC", "--mongodb", "mongodb://127.0.0.1:1"])
    assert exit_.value.code == 2 and "ask for side D" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:  # before any site is generated
        vs_scrapy.main(["--mongodb", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "no MongoDB-wire server answered at" in err, err
    assert "generating" not in err
