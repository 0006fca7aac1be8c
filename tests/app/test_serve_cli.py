"""`iwae serve` builds the app from settings and hands it to uvicorn."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from app.cli import main
from app.config import Settings


def test_serve_defaults_to_loopback_port_8000(monkeypatch):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    main(["serve"])
    ((app, options),) = calls
    assert isinstance(app, FastAPI) and app.state.settings.bundles_dir.name == "bundles"
    assert (options["host"], options["port"]) == ("127.0.0.1", 8000)


def test_serve_takes_host_port_and_bundles(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    main(["serve", "--host", "0.0.0.0", "--port", "9123", "--bundles", str(tmp_path)])
    ((app, options),) = calls
    assert app.state.settings.bundles_dir == tmp_path
    assert (options["host"], options["port"]) == ("0.0.0.0", 9123)


def test_the_bundles_directory_comes_from_the_environment(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(app))
    monkeypatch.setenv("IWAE_BUNDLES_DIR", str(tmp_path))
    main(["serve"])
    assert calls[0].state.settings.bundles_dir == tmp_path


def test_serve_starts_with_the_collector_off_and_leaves_it_on(monkeypatch):
    """Off while TensorFlow is imported and the models load (the app turns it on once the first has
    loaded), and on again whichever way serving ends: a failed start must not leave a process without it."""
    seen = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.append(gc.isenabled()))
    main(["serve"])
    assert seen == [False] and gc.isenabled()
    monkeypatch.setenv("IWAE_MAX_IMAGE_PIXELS", "100000000")  # a start that fails
    with pytest.raises(ValidationError):
        main(["serve"])
    assert gc.isenabled()


def test_limits_that_contradict_each_other_fail_at_start_up_naming_both(monkeypatch):
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: None)
    monkeypatch.setenv("IWAE_MAX_IMAGE_PIXELS", "100000000")  # larger than the default decode budget
    with pytest.raises(ValidationError, match="IWAE_MAX_IMAGE_PIXELS.*IWAE_DECODE_PIXEL_BUDGET"):
        main(["serve"])
    monkeypatch.setenv("IWAE_DECODE_PIXEL_BUDGET", "200000000")  # raised to fit: starts
    main(["serve"])
    monkeypatch.setenv("IWAE_MAX_UPLOAD_BYTES", str(65 * 2**20))  # above the 64 MB a multipart body may be
    with pytest.raises(ValidationError, match="IWAE_MAX_UPLOAD_BYTES.*IWAE_MAX_REQUEST_BYTES"):
        main(["serve"])


def test_the_readme_lists_every_setting_with_its_default():
    """The README's configuration table is the operator's reference: a setting added to Settings, or
    removed, or a default changed, must show there."""
    root = Path(__file__).resolve().parents[2]
    table = [line.split("|") for line in (root / "README.md").read_text().splitlines() if line.startswith("| `IWAE_")]
    rows = {cells[1].strip(): cells[2].strip() for cells in table}
    assert set(rows) == {f"`IWAE_{name.upper()}`" for name in Settings.model_fields}
    for name, field in Settings.model_fields.items():
        variable, default = f"`IWAE_{name.upper()}`", field.default
        if isinstance(default, Path):  # the checkout's own directories
            assert rows[variable] == f"`{default.relative_to(root)}`", variable
        elif isinstance(default, bool):
            assert rows[variable] == f"`{str(default).lower()}`", variable
        elif isinstance(default, int | float):
            expected = f"{default:g}" if isinstance(default, float) else str(default)
            assert rows[variable].split()[0] == expected, variable
