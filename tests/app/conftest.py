"""Service fixtures: tiny untrained bundles, one app loaded once per session, image bytes."""

from __future__ import annotations

import pytest
from app_fixtures import digit_drawing, encode_image, make_bundles, with_a_broken_bundle
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="session")
def bundles_dir(tmp_path_factory):
    """digits (28×28, latent 4, attributes 0/1/7) and faces (64×64×3, latent 3)."""
    return make_bundles(tmp_path_factory.mktemp("bundles"))


@pytest.fixture(scope="session")
def bundles_with_a_broken_one(bundles_dir, tmp_path_factory):
    """The same two and a corrupted bundle, `broken`."""
    return with_a_broken_bundle(bundles_dir, tmp_path_factory.mktemp("with-broken"))


@pytest.fixture(scope="session")
def settings(bundles_dir) -> Settings:
    return Settings(bundles_dir=bundles_dir, load_in_background=False)


@pytest.fixture(scope="session")
def app(settings):
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app):
    """A client of the app after its lifespan loaded the tiny bundles (once for the whole session)."""
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def engine(client, app):
    return app.state.engine


@pytest.fixture
def digit_png() -> bytes:
    return encode_image(digit_drawing())
