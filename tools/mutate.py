"""`make mutate`: mutation testing of the security core with mutmut 3, and the score of each module.

mutmut ([tool.mutmut] in pyproject.toml names the modules and takes the unit tests as the test selection)
copies the project into mutants/ and runs each mutant against the unit tests that reach the function it
changed. This script chooses the mutants (every one of each module, but of domain/values.py only the
value objects' checks), runs them two at a time, and prints per module the share the tests caught.

docs/testing.md explains each survivor, as `equivalent` (no test could tell it from the code, e.g. the
letter case of an SQL keyword) or `harmless`. Equivalent mutants are left out of the score, which must be
at least 90 % in every module; a run with a module below it, or with a survivor docs/testing.md does not
explain, exits 1.

    python tools/mutate.py                  # afresh: mutants/ is removed, every mutant of the scope runs
    python tools/mutate.py 'domain.values*'  # again only the mutants matching, keeping the other verdicts
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MINIMUM = 90.0
# Where only some functions of a module count, by mutmut's names (`<module>.x_<function>` or
# `<module>.xǁ<class>ǁ<method>`, then `__mutmut_<n>`): of `domain.values`, its checks.
_ONLY = {
    "domain.values": [
        "domain.values.x__*_valid__mutmut_*",
        "domain.values.x__require__mutmut_*",
        "domain.values.x__is_visible_text__mutmut_*",
        "domain.values.xǁPasswordPolicyǁcheck__mutmut_*",
        "domain.values.xǁImageFormatǁof__mutmut_*",
        "domain.values.xǁProfileImageǁcheck_size__mutmut_*",
        "domain.values.xǁProfileImageǁnew_key__mutmut_*",
    ],
}


def _scope() -> dict[str, list[str]]:
    """Each module `[tool.mutmut] only_mutate` names, with the patterns of the mutants that count."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        paths = tomllib.load(handle)["tool"]["mutmut"]["only_mutate"]
    modules = [str(Path(path).relative_to("src").with_suffix("")).replace("/", ".") for path in paths]
    return {module: _ONLY.get(module, [f"{module}.*"]) for module in modules}


SCOPE = _scope()
# A timeout is caught too: the tests did not pass.
CAUGHT = frozenset({"killed", "timeout", "caught by type check"})
COUNTED = CAUGHT | {"equivalent"}
# A row of a survivors' table in docs/testing.md: | `<mutant>` | equivalent: why | `<change>` | (or harmless).
_ROW = re.compile(r"^\|\s*`(?P<mutant>[^`]+__mutmut_\d+)`\s*\|\s*(?P<verdict>equivalent|harmless)\b", re.M)
_CHANGE_SHOWN = 110


def mutmut(*arguments: str, capture: bool = False) -> str:
    done = subprocess.run(  # noqa: S603 -- our own arguments, no shell
        [sys.executable, "-m", "mutmut", *arguments], cwd=ROOT, check=True, capture_output=capture, text=True
    )
    return done.stdout or ""


def module_of(mutant: str) -> str | None:
    return next(
        (module for module, patterns in SCOPE.items() if any(fnmatch.fnmatch(mutant, p) for p in patterns)), None
    )


def change_of(mutant: str) -> str:
    """The mutant's change as docs/testing.md shows it: its new lines on one line (or what it removed)."""
    diff = mutmut("show", mutant, capture=True).splitlines()
    added = [line[1:].strip() for line in diff if line.startswith("+") and not line.startswith("+++")]
    removed = [line[1:].strip() for line in diff if line.startswith("-") and not line.startswith("---")]
    text = " ".join(added) if added else "(removed) " + " ".join(removed)
    return text if len(text) <= _CHANGE_SHOWN else text[: _CHANGE_SHOWN - 3] + "..."


def explained_survivors() -> dict[str, tuple[str, str]]:
    """Mutant -> (verdict, change) of each row of docs/testing.md's survivor tables."""
    rows = {}
    for line in (ROOT / "docs/testing.md").read_text().splitlines():
        match = _ROW.match(line)
        if match:
            change = re.split(r"(?<!\\)\|", line)[-2].strip().strip("`").replace("\\|", "|")
            rows[match["mutant"]] = (match["verdict"], change)
    return rows


def report(*, partial: bool = False) -> bool:
    """Print the score of each module; whether every module passes (of a `partial` run, every module
    it ran mutants of)."""
    explained = explained_survivors()
    statuses: dict[str, Counter[str]] = defaultdict(Counter)
    unexplained = []
    for line in mutmut("results", "--all", "true", capture=True).splitlines():
        mutant, separator, status = line.strip().rpartition(": ")
        module = module_of(mutant) if separator else None
        # A run of a few mutants (`MUTANTS=...`) leaves the others unchecked: nothing to say of them.
        if module is None or status == "not checked":
            continue
        if status not in CAUGHT:
            verdict, explained_change = explained.get(mutant, ("", ""))
            change = change_of(mutant)
            # A row names a mutant by number; after the code changes, the number may be another change's.
            if verdict and change == explained_change:
                status = "equivalent" if verdict == "equivalent" else status
            else:
                unexplained.append(f"| `{mutant}` | {status}, not explained yet | `{change}` |")
        statuses[module][status] += 1
    passed = not unexplained
    print(f"\n{'module':36} {'mutants':>7} {'equivalent':>10} {'caught':>6} {'score':>6}  not caught")
    for module in SCOPE:
        counts = statuses[module]
        total = sum(counts.values())
        caught = sum(counts[status] for status in CAUGHT)
        score = 100 * caught / (total - counts["equivalent"]) if total > counts["equivalent"] else 0.0
        missed = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()) if status not in COUNTED)
        print(f"{module:36} {total:7} {counts['equivalent']:10} {caught:6} {score:5.1f}%  {missed}")
        passed = passed and (score >= MINIMUM or (partial and total == 0))
    if unexplained:
        print("\nSurvivors docs/testing.md does not explain (or explains as another change):")
        print("\n".join(unexplained))
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mutants", nargs="*", help="run again only these mutants (mutmut name patterns)")
    arguments = parser.parse_args()
    if not arguments.mutants:
        # Afresh, so that no verdict outlives the tests it was reached with.
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    patterns = arguments.mutants or [pattern for patterns in SCOPE.values() for pattern in patterns]
    mutmut("run", "--max-children", "2", *patterns)
    return 0 if report(partial=bool(arguments.mutants)) else 1


if __name__ == "__main__":
    sys.exit(main())
