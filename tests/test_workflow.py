""".github/workflows/book.yml, checked offline (it never runs here): valid against the GitHub workflow schema
that check-jsonschema ships, and it builds, tests and publishes what the README says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.is_file():
        pytest.fail("check-jsonschema is not installed: pip install -r requirements.txt")
    command = [str(tool), "--builtin-schema", "vendor.github-workflows", str(path)]
    return subprocess.run(command, capture_output=True, text=True)


@pytest.mark.slow
def test_the_workflow_is_valid():
    result = check_jsonschema(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_the_schema_check_catches_a_broken_workflow(tmp_path):
    broken = yaml.safe_load(WORKFLOW.read_text())
    broken["jobs"]["build"]["runs-on"] = {"label": 3}
    broken["jobs"]["build"]["stepz"] = broken["jobs"]["build"].pop("steps")
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    assert check_jsonschema(path).returncode != 0


def test_it_builds_tests_and_publishes_from_main_only():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert any("make book" in r for r in runs) and any("make test" in r for r in runs)
    assert any("make pdf" in r for r in runs)
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    on_main = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert upload["if"] == on_main and deploy["if"] == on_main
    assert deploy["needs"] == "build" and deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    # PyYAML reads the key `on` as True
    assert (workflow.get("on") or workflow[True])["push"]["branches"] == ["main"]
