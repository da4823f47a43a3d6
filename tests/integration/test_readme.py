"""The README's shell blocks, from the walk on, pasted in order into one shell against a live server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.live_server import running_service, service_environment

ROOT = Path(__file__).resolve().parents[2]
# From the walk to the section that needs another server (moto) and a restart, which
# test_entry_points covers; the blocks before the walk and after it are `make` commands.
FIRST, STOP = "## Walk the seed flow with curl", "## Against Cognito"
# Every curl call writes its status to stderr, one a line, where the test reads them.
STATUSES = """curl() { command curl --write-out '%{stderr}%{http_code}\\n' "$@"; }"""


def readme_script() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(FIRST) : text.index(STOP)]
    blocks = re.findall(r"^```sh\n(.*?)^```$", section, flags=re.DOTALL | re.MULTILINE)
    assert len(blocks) >= 5, "the README's walk and the sections after it hold shell blocks"
    return "\n".join(blocks)


@pytest.fixture
def curl() -> None:
    if shutil.which("curl"):
        return
    if os.environ.get("CI"):
        pytest.fail("the README's examples need curl")
    pytest.skip("the README's examples need curl")


def test_the_walk_and_every_section_after_it_work_pasted_in_order(curl, tmp_path):
    """What the README tells a reader to type, with the files it names moved into a directory of the
    test's own: the server's log, the saved headers, the pool file, the image."""
    pool, database, media = tmp_path / "pool.sqlite3", tmp_path / "db.sqlite3", tmp_path / "media"
    environment = service_environment(
        LOCAL_POOL_FILE=str(pool),
        SQLITE_PATH=str(database),
        LOCAL_MEDIA_DIR=str(media),
        # Pasted at once, the sections answer six codes for alice within a minute, one past her
        # budget of five; a reader at a reader's pace stays within it, and the README says so.
        RATE_LIMIT_CODE_PER_ACCOUNT="6/minute",
    )
    with running_service(environment) as server:
        # The README's names of files (S108: they are replaced, never used) and what stands for each.
        script = readme_script()
        for name, replacement in {
            "/tmp/run.log": server.log_path,  # noqa: S108
            "/tmp/headers": str(tmp_path / "headers"),  # noqa: S108
            "/tmp/me.png": str(tmp_path / "me.png"),  # noqa: S108
            "LOCAL_POOL_FILE=.local/pool.sqlite3": f"LOCAL_POOL_FILE={pool}",
            ".venv/bin/python": sys.executable,
        }.items():
            script = script.replace(name, replacement)
        finished = subprocess.run(  # noqa: S603 -- the README's own commands, in the shell a reader has
            ["bash", "-c", f"set -euo pipefail\n{STATUSES}\n{script}"],  # noqa: S607
            cwd=ROOT,
            env={**environment, "PORT": server.base_url.rsplit(":", 1)[1]},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    statuses = [line for line in finished.stderr.splitlines() if re.fullmatch(r"\d{3}", line)]
    # Two refusals are the point of their examples: the refresh after the logout, and the sign-in
    # after too many wrong passwords (whose own statuses its loop prints to stdout).
    assert [status for status in statuses if not status.startswith("2")] == ["401", "429"], finished.stdout
    assert "401 401 401 401 401 429" in finished.stdout
    assert len(statuses) >= 30
    assert "alice@example.com is an administrator" in finished.stdout
    assert '"is_staff":true' in finished.stdout
    assert finished.stdout.count('{"msg":"Welcome alicia@example.org"}') == 3


def test_every_link_stays_in_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]+)\)", text)
    assert targets
    for target in targets:
        path = target.split("#", 1)[0]
        assert "://" not in target, target
        assert not path or (ROOT / path).resolve().is_relative_to(ROOT), target
        assert not path or (ROOT / path).exists(), target
    assert not re.search(r"(?<!\.)\.\./", text), "a path outside the repository"
