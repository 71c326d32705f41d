"""The Python packages are locked (``scripts/constraints.txt``, written by ``scripts/lock.sh``):
every requirement of the project, its dev extras and the native build is pinned within its
range, and the environment the tests run in holds the pinned versions — what
``scripts/setup.sh`` installs, so a fresh machine runs what the tests ran on."""

from __future__ import annotations

import sys
import sysconfig
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "scripts" / "constraints.txt"


def pins(text: str) -> dict[str, Version]:
    """``name==version`` lines by canonical name; a line of any other form is an error (a
    constraint file that only bounds a package would let it float again)."""
    out: dict[str, Version] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep and name.strip() and version.strip(), f"{LOCK.name}:{number}: not a pin: {raw}"
        key = canonicalize_name(name.strip())
        assert key not in out, f"{LOCK.name}:{number}: {name} pinned twice"
        out[key] = Version(version.strip())
    return out


def requirements(*, build: bool = True) -> list[Requirement]:
    """The project's requirements and its dev extras; with ``build``, the native build's
    backend too (installed in pip's isolated build environment, not beside the project)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    native = tomllib.loads((ROOT / "native" / "pyproject.toml").read_text("utf-8"))
    texts = [
        *project["dependencies"],
        *project["optional-dependencies"]["dev"],
        *(native["build-system"]["requires"] if build else ()),
    ]
    return [Requirement(text) for text in texts]


def test_pins_are_read_strictly() -> None:
    assert pins("# comment\nScrapy==2.19.0\n\nfoo_bar==1.0  # why\n") == {
        "scrapy": Version("2.19.0"),
        "foo-bar": Version("1.0"),
    }
    for bad in ("scrapy>=2.19", "scrapy", "scrapy==2.19\nScrapy==2.18"):
        try:
            pins(bad)
        except AssertionError:
            continue
        raise AssertionError(f"accepted {bad!r}")


def test_every_requirement_is_pinned_within_its_range() -> None:
    locked = pins(LOCK.read_text("utf-8"))
    problems = []
    for req in requirements():
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = locked.get(canonicalize_name(req.name))
        if version is None:
            problems.append(f"{req.name}: not pinned")
        elif not req.specifier.contains(version, prereleases=True):
            problems.append(f"{req.name}: pinned {version}, outside {req.specifier}")
    assert not problems, (
        f"{LOCK.relative_to(ROOT)} does not match pyproject.toml: {problems}; "
        "run `make lock` and the tests"
    )


def test_the_installed_packages_are_the_pinned_ones() -> None:
    locked = pins(LOCK.read_text("utf-8"))
    # the environment's own site-packages, not every folder on sys.path: setuptools puts its
    # vendored copies (packaging, wheel …) there once something imports it
    paths = sorted({sysconfig.get_paths()[k] for k in ("purelib", "platlib")})
    installed = {
        canonicalize_name(d.metadata["Name"]): Version(d.version)
        for d in distributions(path=paths)
        if d.metadata["Name"]
    }
    assert len(installed) > 50, installed  # the environment was read
    wrong = {
        name: f"{installed[name]} installed, {version} pinned"
        for name, version in locked.items()
        if name in installed and installed[name] != version
    }
    assert not wrong, f"run `make setup-test` (or `make lock` to move the pins): {wrong}"
    missing = [r.name for r in requirements(build=False) if canonicalize_name(r.name)
               not in installed and (r.marker is None or r.marker.evaluate())]  # fmt: skip
    assert not missing, f"not installed: {missing}; run `make setup-test`"


def test_vendored_copies_on_the_path_do_not_count() -> None:
    """What the test above reads: once setuptools is imported, its vendored packages are on
    ``sys.path`` at other versions than the installed ones."""
    import setuptools  # noqa: F401  (puts setuptools/_vendor on sys.path)

    vendored = [p for p in sys.path if p.rstrip("/").endswith("_vendor")]
    assert vendored, "setuptools no longer puts its vendored packages on sys.path"
    test_the_installed_packages_are_the_pinned_ones()
