"""House rule: ``_`` means private. No module — shipped or test — imports another package's
``_module`` or ``_name``, nor another module's ``_name`` (a subpackage may use its parent's). Checked on the source, so a new crossing
fails the suite with the file, line and name to fix."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests._proc import ROOT

CHECKED = ("opinion_spiders", "plugins", "pipelines", "bench", "settings", "tests", "servers")


def _module(path: Path, root: Path) -> tuple[str, str]:
    """(module, the package it lives in)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ".".join(parts), ".".join(parts)
    return ".".join(parts), ".".join(parts[:-1])


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return found


def crossings(top: str, root: Path = ROOT) -> list[str]:
    out = []
    for path in sorted((root / top).rglob("*.py")):
        _, package = _module(path, root)
        for line, name in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            parts = name.split(".")
            for i, part in enumerate(parts):
                if part.startswith("_") and not part.startswith("__"):
                    owner = ".".join(parts[:i])
                    if owner and package != owner and not package.startswith(owner + "."):
                        out.append(f"{path.relative_to(root)}:{line} imports {name}")
                    break
    return out


def test_no_module_imports_another_packages_private_names() -> None:
    found = [c for top in CHECKED for c in crossings(top)]
    assert found == [], "\n".join(found)


def test_the_check_sees_a_crossing_and_allows_a_package_its_own(tmp_path: Path) -> None:
    (tmp_path / "core" / "sub").mkdir(parents=True)
    (tmp_path / "core" / "__init__.py").write_text("from core._a import x\n")
    (tmp_path / "core" / "sub" / "b.py").write_text(
        "from core._a import x\nfrom core.sub import _c\n"
    )
    (tmp_path / "plug").mkdir()
    (tmp_path / "plug" / "p.py").write_text("import core._a\nfrom core.sub._c import y\n")
    assert crossings("core", tmp_path) == []
    assert crossings("plug", tmp_path) == [
        "plug/p.py:1 imports core._a",
        "plug/p.py:2 imports core.sub._c.y",
    ]


def _lint_imports(*config: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(tool), "--no-cache", *map(str, config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


def test_the_layers_hold() -> None:
    """The import contracts of pyproject.toml (``[tool.importlinter]``): the engine knows
    nothing of plugins, pipelines, tests or benches; plugins and pipelines are independent;
    web over events over watch over stores/reading over text; alerting and clusters over
    stores; the engine folders below the CLI and the workspace; no Scrapy below the crawl."""
    done = _lint_imports()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_layer_check_sees_a_broken_contract(tmp_path: Path) -> None:
    """The same tool fails on a contract the code breaks (the reading chain uses text)."""
    config = tmp_path / "broken.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["opinion_spiders"]\n\n'
        '[[tool.importlinter.contracts]]\nname = "reading without text"\ntype = "forbidden"\n'
        'source_modules = ["opinion_spiders.reading"]\nforbidden_modules = ["opinion_spiders.text"]\n',
        encoding="utf-8",
    )
    done = _lint_imports(config)
    assert done.returncode != 0 and "BROKEN" in done.stdout, done.stdout + done.stderr
