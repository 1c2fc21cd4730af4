"""The real code the benchmarks run on: pinned wheels from PyPI, their `.py` files unpacked into a cache.

LIBRARY is the speed corpus (torch's own sources and the libraries built on it). TRAINING adds projects
that ship training loops, trainers, losses and recipes inside their wheels: library code has almost no
training loops, so the training-time rules (TPF001, TPF004-TPF006) need these to be measured at all.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"

LIBRARY = {
    "torch": "torch==2.13.0",
    "transformers": "transformers==5.24.0",
    "diffusers": "diffusers==0.42.1",
    "timm": "timm==1.0.31",
    "pytorch_lightning": "pytorch_lightning==2.6.6",
    "torchmetrics": "torchmetrics==1.9.0",
    "accelerate": "accelerate==1.15.0",
}

TRAINING = {name.replace("-", "_"): f"{name}=={version}" for name, version in (
    ("avalanche-lib", "0.6.0"), ("botorch", "0.18.1"), ("captum", "0.9.0"), ("d2l", "1.0.3"),
    ("deeprobust", "0.2.11"), ("deepxde", "1.15.0"), ("fastai", "2.8.12"), ("flair", "0.15.1"),
    ("labml-nn", "0.5.1"), ("lightly", "1.6.0"), ("mmengine", "0.10.7"), ("monai", "1.6.1"),
    ("mosaicml", "0.32.1"), ("nanotron", "0.4"), ("neuralforecast", "3.3.0"), ("open-clip-torch", "3.3.0"),
    ("opacus", "1.6.0"), ("peft", "0.21.2"), ("pfrl", "0.1.0"), ("pykan", "0.2.8"), ("pykeen", "1.11.1"),
    ("pyod", "3.6.7"), ("pyro-ppl", "1.9.2"), ("pythae", "0.1.2"), ("pytorch-forecasting", "1.8.0"),
    ("pytorch-ignite", "0.5.5"), ("pytorch-metric-learning", "2.9.0"), ("pytorch-tabnet", "4.1.0"),
    ("pytorch-tabular", "1.2.0"), ("pytorch-widedeep", "1.7.0"), ("recbole", "1.2.1"),
    ("sentence-transformers", "6.2.0"), ("skorch", "1.4.0"), ("speechbrain", "1.1.2"),
    ("stable-baselines3", "2.9.2"), ("stanza", "1.15.0"), ("tianshou", "2.0.1"), ("torch-geometric", "2.8.1"),
    ("torchattacks", "3.5.1"), ("torchdistill", "1.1.5"), ("torchgeo", "0.8.1"), ("torchrl", "0.14.1"),
    ("torchtune", "0.6.1"), ("trl", "1.16.0"), ("ultralytics", "8.4.190"), ("yolov5", "7.0.14"),
)}

#: Where each corpus is unpacked: one folder per project under it.
ROOTS = {"library": CACHE / "corpus", "training": CACHE / "training"}
PROJECTS = {"library": LIBRARY, "training": TRAINING}
#: Written beside an unpacked project: the requirement it was unpacked from.
PIN_FILE = ".pinned"


def ensure_corpus(corpus: str, name: str) -> Path:
    """Unpack the `.py` files of one project's pinned wheel into the cache (downloaded once)."""
    requirement = PROJECTS[corpus][name]
    target = ROOTS[corpus] / name
    pin = target / PIN_FILE
    if pin.is_file() and pin.read_text().strip() == requirement:
        return target
    if target.is_dir():
        shutil.rmtree(target)  # another release unpacked here: replace it
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    requirement, "-d", str(wheels)], check=True)
    distribution, version = requirement.split("==")
    prefix = f"{distribution.replace('-', '_').lower()}-{version}"
    # `torch-2.13.0-...` or, from a local index, `torch-2.13.0+cpu-...` (a local version label).
    wheel = next(w for w in sorted(wheels.glob("*.whl"))
                 if w.name.lower().startswith((prefix + "-", prefix + "+")))
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.endswith(".py"):
                archive.extract(member, target)
    pin.write_text(requirement + "\n")
    return target


def ensure_all(corpus: str) -> Path:
    """Every project of a corpus, unpacked; returns the corpus root."""
    for name in PROJECTS[corpus]:
        ensure_corpus(corpus, name)
    return ROOTS[corpus]
