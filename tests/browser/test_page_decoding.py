"""Decoding in the page (static/js/pagedecoder.js): the same pixels as the server's /decode, edits and
sweeps answered without a request, and the server path when the runtime cannot load."""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from test_demo import open_demo, pixels

pytestmark = pytest.mark.browser

IN_PAGE = re.compile(r"^Decoding in this page")
ON_SERVER = re.compile(r"^Decoding on the server \(")


def use_model(page: Page, name: str) -> dict:
    if page.evaluate("window.latentLab.state.model.name") != name:
        page.select_option("#model-select", name)
    expect(page.locator("#decoding-path")).to_have_text(IN_PAGE, timeout=60_000)
    return page.evaluate("window.latentLab.state.model")


@pytest.mark.parametrize("name", ["digits", "faces"])
def test_the_page_decodes_every_pixel_as_the_server_does(page: Page, name: str):
    open_demo(page)
    model = use_model(page, name)
    latents = (np.random.default_rng(0).standard_normal((6, model["latent_size"])) * 1.5).tolist()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if r.url.endswith("/decode") else None)
    in_page = page.evaluate("z => window.latentLab.decode(z)", latents)
    assert requests == []  # answered in the page
    served = page.request.post("/decode", data={"model": name, "latents": latents}).json()
    for mine, theirs in zip(in_page["images"], served["images"], strict=True):
        difference = np.abs(pixels(mine) - pixels(theirs))
        assert difference.max() <= 2, f"{name}: a pixel differs by {difference.max()}/255"
    assert pixels(in_page["strip"]).shape == pixels(served["strip"]).shape
    assert page.console.errors == []


def test_a_slider_edit_and_its_sweep_make_no_request_with_the_page_decoder(page: Page):
    open_demo(page)
    use_model(page, "digits")
    edits = []
    page.on("request", lambda r: edits.append(r.url) if r.url.endswith("/edit") else None)
    before = page.locator("#edited-view").get_attribute("src")
    page.locator("#sliders input[type=range]").first.fill("2")
    expect(page.locator("#edited-view")).not_to_have_attribute("src", before)
    expect(page.locator("#sweep-strip img")).not_to_have_count(0)
    assert edits == []
    state = page.evaluate("window.latentLab.state")
    answer = page.request.post(
        "/edit",
        data={
            "model": "digits",
            "latent": state["latent"],
            "edits": [{"attribute": state["edits"][0]["name"], "scale": 2}],
        },
    ).json()
    np.testing.assert_allclose(state["edited"]["latent"], answer["latent"], rtol=1e-5, atol=1e-5)
    assert np.abs(pixels(page.locator("#edited-view").get_attribute("src")) - pixels(answer["image"])).max() <= 2


def test_without_the_runtime_the_page_decodes_on_the_server_and_says_so(page: Page):
    page.route("**/vendor/onnxruntime-web/**", lambda route: route.fulfill(status=404, body="not here"))
    open_demo(page)
    expect(page.locator("#decoding-path")).to_have_text(ON_SERVER)
    before = page.locator("#edited-view").get_attribute("src")
    with page.expect_request("**/edit"):
        page.locator("#sliders input[type=range]").first.fill("2")
    expect(page.locator("#edited-view")).not_to_have_attribute("src", before)
    expect(page.locator("#alert")).to_be_empty()  # no error for the person: the server path just works
    assert [e for e in page.console.errors if "Failed to load resource" not in e] == []


def test_while_the_runtime_downloads_slider_edits_are_decoded_on_the_server(page: Page):
    """A download that stalls holds no request back: the server answers until the page's decoder is ready."""
    page.route("**/vendor/onnxruntime-web/**", lambda route: None)  # never answered: a stalled download
    open_demo(page)
    expect(page.locator("#decoding-path")).to_have_text("Decoding on the server while the in-page decoder loads.")
    before = page.locator("#edited-view").get_attribute("src")
    with page.expect_request("**/edit"):
        page.locator("#sliders input[type=range]").first.fill("2")
    expect(page.locator("#edited-view")).not_to_have_attribute("src", before)
    expect(page.locator("#alert")).to_be_empty()
    assert page.console.errors == []
