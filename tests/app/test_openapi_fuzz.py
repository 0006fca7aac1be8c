"""Schemathesis generates requests from the OpenAPI document, valid and invalid: none may get a server
error, and every answer must match the documented status codes, content types and schemas."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.config import Settings
from app.main import create_app

# The app must exist when the module is collected; its lifespan runs at the first request, by which
# time the fixture below has put the tiny bundles in its directory. (Schemathesis' lazy
# `from_fixture` loader does not work with this pytest.)
FUZZ_BUNDLES = Path(tempfile.mkdtemp(prefix="iwae-fuzz-"))
APP = create_app(Settings(bundles_dir=FUZZ_BUNDLES, load_in_background=False))
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP


atexit.register(shutil.rmtree, FUZZ_BUNDLES, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def fuzz_bundles(bundles_dir):
    for name in ("digits", "faces"):
        (FUZZ_BUNDLES / name).symlink_to(bundles_dir / name, target_is_directory=True)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case):
    # A schema-valid request may still be refused: a latent must have the model's own length and a model
    # name must be one that is loaded, which no static schema can say.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
