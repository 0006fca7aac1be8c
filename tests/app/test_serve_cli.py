"""`iwae serve` builds the app from settings and hands it to uvicorn."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from app.cli import main


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
