"""The browser demo driven through real Chromium against the real service and the shipped models."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DATA_URL = re.compile(r"^data:image/png;base64,")
NUMBER = re.compile(r"^−?\d+\.\d+$")


# ---- helpers ----


def open_demo(page: Page, path: str = "/") -> None:
    """Loads the page and waits until its first view (a prior sample as the input) is on screen."""
    page.goto(path)
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#edited-view")).to_have_attribute("src", DATA_URL)


def pixels(data_url: str) -> np.ndarray:
    """A PNG data URL → its pixels as RGB int16 (grey images repeated over three channels)."""
    image = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
    return np.asarray(image.convert("RGB"), np.int16)


def src(page: Page, selector: str) -> str:
    return page.locator(selector).get_attribute("src") or ""


def wait_src_change(page: Page, selector: str, before: str) -> str:
    """Waits until the image's src is a data URL different from `before`; returns it."""
    page.wait_for_function(
        "([sel, before]) => { const s = document.querySelector(sel).getAttribute('src') || '';"
        " return s.startsWith('data:image/png;base64,') && s !== before; }",
        arg=[selector, before],
    )
    return src(page, selector)


def draw(page: Page, strokes: list[list[tuple[float, float]]]) -> None:
    """Draws strokes on the pad with the mouse; points are fractions (0…1) of the pad's width and height."""
    page.locator("#pad").scroll_into_view_if_needed()  # the box is in viewport coordinates
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        x, y = stroke[0]
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
        page.mouse.up()


SEVEN = [[(0.3, 0.25), (0.7, 0.25), (0.45, 0.8)]]
ZERO = [[(0.5, 0.2), (0.68, 0.35), (0.68, 0.65), (0.5, 0.8), (0.32, 0.65), (0.32, 0.35), (0.5, 0.2)]]


def digit_png(kind: str) -> bytes:
    """A black-on-white digit as PNG bytes, like a scan: "zero" (an ellipse) or "one" (a bar)."""
    image = Image.new("L", (120, 120), 255)
    pen = ImageDraw.Draw(image)
    if kind == "zero":
        pen.ellipse((35, 20, 85, 100), outline=0, width=11)
    else:
        pen.line((62, 18, 58, 102), fill=0, width=11)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def upload(page: Page, selector: str, name: str, data: bytes, mime: str = "image/png") -> None:
    page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": data}])


def wait_encoded(page: Page, timeout: float | None = None) -> None:
    """Waits until an encode answered: the input panel shows what the model saw and log p(x)."""
    expect(page.locator("#input-caption")).to_have_text("Model sees", timeout=timeout)
    expect(page.locator("#loglik")).to_have_text(NUMBER)
    expect(page.locator("#input-panel")).not_to_have_attribute("aria-busy", "true")


def latent(page: Page) -> list[float]:
    return page.evaluate("window.latentLab.state.latent")


def wait_latent_change(page: Page, before: list[float]) -> None:
    page.wait_for_function("(b) => JSON.stringify(window.latentLab.state.latent) !== JSON.stringify(b)", arg=before)


class Held:
    """Requests to `url_glob` for which `when(request)` holds are held back until `release()`; the rest go
    through. For answers that arrive late, after the person moved on."""

    def __init__(self, page: Page, url_glob: str, when=lambda request: True):
        self.routes = []
        self.holding = True
        self.when = when
        page.route(url_glob, self._route)

    def _route(self, route):
        if self.holding and self.when(route.request):
            self.routes.append(route)
        else:
            route.continue_()

    def release(self) -> int:
        """Lets the held requests through; how many the page was still waiting for."""
        self.holding = False
        answered = 0
        for route in self.routes:
            try:
                route.continue_()
                answered += 1
            except Exception:  # the page gave up on it (a cancelled lane): nothing to answer
                pass
        self.routes.clear()
        return answered


def decode_on_the_server(page: Page) -> None:
    """Blocks ONNX Runtime Web: every edit, path and decode is a request the test can hold."""
    page.route("**/vendor/onnxruntime-web/**", lambda route: route.fulfill(status=404, body=""))


def other_model(page: Page) -> str:
    """A model other than the current one, with the same kind of images (drawn digits)."""
    names = page.eval_on_selector_all("#model-select option", "options => options.map((o) => o.value)")
    return next(n for n in names if n.startswith("digits") and n != page.locator("#model-select").input_value())


# ---- tests ----


def test_page_loads_without_console_errors(page: Page):
    open_demo(page)
    expect(page.locator("#model-select option[value=digits]")).to_have_count(1)
    expect(page.locator("#model-info")).to_contain_text("28×28")
    expect(page.locator("#sample-strip .frame")).to_have_count(8)
    expect(page.locator("#sliders .slider-row")).to_have_count(1)
    expect(page.locator("#pad")).to_be_visible()
    assert page.locator("#recon-view").evaluate("el => getComputedStyle(el).imageRendering") == "pixelated"
    assert page.locator("#alert").inner_text() == ""
    assert page.console.errors == []


def test_drawing_encodes_and_shows_reconstruction(page: Page):
    open_demo(page)
    before = src(page, "#recon-view")
    draw(page, SEVEN)
    after = wait_src_change(page, "#recon-view", before)
    assert DATA_URL.match(after)
    wait_encoded(page)
    assert DATA_URL.match(src(page, "#input-view"))
    # the posterior panel shows the importance-weighted samples, their weights summing to 100 %
    samples = page.locator("#posterior-grid .frame")
    expect(samples).to_have_count(16)
    percents = [float(t.rstrip("%")) for t in page.locator("#posterior-grid .frame-label").all_inner_texts()]
    assert sum(percents) == pytest.approx(100, abs=1.0)
    # undo empties the pad; the bound chart is drawn for k = 1 … 5000
    page.click("#bounds-run")
    expect(page.locator("#bounds-chart svg circle")).to_have_count(5)
    expect(page.locator("#bounds-caption")).to_contain_text("k = 5000")
    assert page.console.errors == []


# A drag at 60 Hz, in the page (the one bench/slider_bench.py measures): `input` events 16 ms apart.
DRAG = (Path(__file__).resolve().parents[2] / "bench" / "slider_drag.js").read_text()


@pytest.mark.parametrize("path", ["page", "server"])
def test_dragging_a_slider_moves_the_edited_image_during_the_drag_and_ends_on_its_last_value(page: Page, path: str):
    """No debounce: decoded in the page, or (the runtime blocked) one /edit in flight with the newest
    slider value sent as soon as each answer arrives."""
    if path == "server":
        page.route("**/vendor/onnxruntime-web/**", lambda route: route.fulfill(status=404, body=""))
    open_demo(page)
    footer = r"^Decoding in this page" if path == "page" else r"^Decoding on the server \("
    expect(page.locator("#decoding-path")).to_have_text(re.compile(footer), timeout=60_000)
    drag = page.evaluate(DRAG, [90, 16, 1500])  # 1.5 s, then 1.5 s to settle
    during = [t for t in drag["changes"] if t <= drag["end"]]
    assert during, drag  # the old 80 ms debounce showed nothing until the hand stopped (rates: bench/slider_bench.py)
    expect(page.locator("#sliders output").first).to_have_text("+3.0")
    expect(page.locator("#edited-view")).to_have_attribute("alt", re.compile(r"edited with \S+ \+3\.0$"))
    state = page.evaluate("window.latentLab.state")
    model, latent, edit = state["model"]["name"], state["latent"], state["edits"][0]
    answer = page.request.post(
        "/edit", data={"model": model, "latent": latent, "edits": [{"attribute": edit["name"], "scale": 3.0}]}
    ).json()
    # the page's own decoder or the server's: the same picture, up to rounding (test_page_decoding.py)
    assert np.abs(pixels(src(page, "#edited-view")) - pixels(answer["image"])).max() <= 2
    assert [e for e in page.console.errors if "Failed to load resource" not in e] == []


def test_slider_changes_edited_image_and_edits_combine(page: Page):
    open_demo(page)
    before = src(page, "#edited-view")
    slider = page.locator("#sliders input[type=range]").first
    slider.focus()
    page.keyboard.press("End")  # keyboard: the slider's maximum, +3
    expect(page.locator("#sliders output").first).to_have_text("+3.0")
    wait_src_change(page, "#edited-view", before)
    # a burst of key presses: only the answer for the last value is shown
    page.keyboard.press("Home")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    expect(page.locator("#sliders output").first).to_have_text("−2.0")
    expect(page.locator("#edited-view")).to_have_attribute("alt", "The input edited with 0 −2.0")
    expect(page.locator("#edit-panel")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#edited-view")).to_have_attribute("alt", "The input edited with 0 −2.0")
    first_edit = src(page, "#edited-view")

    page.select_option("#attr-select", "7")
    page.click("#attr-add")
    expect(page.locator("#sliders .slider-row")).to_have_count(2)
    page.locator("#sliders input[type=range]").nth(1).fill("-2")
    wait_src_change(page, "#edited-view", first_edit)
    edits = page.evaluate("window.latentLab.state.edits.map(e => [e.name, e.scale])")
    assert edits == [["0", -2], ["7", -2]]
    assert page.console.errors == []


def test_sweep_strip_has_the_requested_number_of_frames(page: Page):
    open_demo(page)
    frames = page.locator("#sweep-strip .frame")
    expect(frames).to_have_count(9)  # the default
    page.fill("#sweep-steps", "5")
    page.press("#sweep-steps", "Enter")
    expect(frames).to_have_count(5)
    expect(page.locator("#sweep-strip .frame-label")).to_have_text(["−3.0", "−1.5", "0.0", "+1.5", "+3.0"])
    expect(page.locator("#sweep-download")).to_have_attribute("href", DATA_URL)
    # a frame becomes the input: its latent is current and the sliders go back to 0
    before = latent(page)
    frames.nth(4).click()
    wait_latent_change(page, before)
    expect(page.locator("#input-caption")).to_have_text("Decoded from latent")
    assert page.console.errors == []


def test_upload_and_interpolation(page: Page):
    open_demo(page)
    upload(page, "#input-file", "zero.png", digit_png("zero"))
    wait_encoded(page)
    page.click("#set-a")
    expect(page.locator("#end-a")).to_have_attribute("src", DATA_URL)
    zero = latent(page)

    upload(page, "#input-file", "one.png", digit_png("one"))
    wait_latent_change(page, zero)
    wait_encoded(page)
    page.click("#set-b")  # both ends set: the interpolation runs by itself
    frames = page.locator("#interp-strip .frame")
    expect(frames).to_have_count(10)
    expect(page.locator("#interp-download")).to_have_attribute("href", DATA_URL)

    page.check("#method-lerp", force=True)
    page.fill("#interp-steps", "6")
    page.press("#interp-steps", "Enter")
    expect(frames).to_have_count(6)
    # the first frame of the path is A
    frames.first.click()
    page.wait_for_function("(a) => window.latentLab.state.latent.every((v, i) => Math.abs(v - a[i]) < 1e-4)", arg=zero)
    assert page.console.errors == []


def test_shared_link_restores_model_latent_and_edits(page: Page, new_page):
    open_demo(page)
    draw(page, ZERO)
    wait_encoded(page)
    page.locator("#sliders input[type=range]").first.fill("1.5")
    page.select_option("#attr-select", "3")
    page.click("#attr-add")
    page.locator("#sliders input[type=range]").nth(1).fill("-0.7")
    page.locator("#sliders input[type=range]").nth(1).dispatch_event("change")
    # the edited image's text alternative names the edits it shows
    expect(page.locator("#edited-view")).to_have_attribute("alt", "The input edited with 0 +1.5, 3 −0.7")
    expect(page.locator("#edit-panel")).not_to_have_attribute("aria-busy", "true")
    edited = src(page, "#edited-view")
    page.click("#copy-link")
    expect(page.locator("#copy-link")).to_have_text("Link copied")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.locator("#copy-link").get_attribute("data-url")
    assert "model=digits" in link and "z=" in link

    shared = new_page()
    shared.goto(link)
    shared.wait_for_selector("body[data-ready=true]")
    assert shared.locator("#model-select").input_value() == "digits"
    assert latent(shared) == pytest.approx(latent(page), abs=1e-6)
    assert shared.evaluate("window.latentLab.state.edits.map(e => [e.name, e.scale])") == [["0", 1.5], ["3", -0.7]]
    expect(shared.locator("#sliders output")).to_have_text(["+1.5", "−0.7"])
    # the same picture: decoded in the page or, while its decoder still loads, on the server (up to rounding)
    expect(shared.locator("#edited-view")).to_have_attribute("alt", "The input edited with 0 +1.5, 3 −0.7")
    expect(shared.locator("#edit-panel")).not_to_have_attribute("aria-busy", "true")
    assert np.abs(pixels(src(shared, "#edited-view")) - pixels(edited)).max() <= 2
    assert shared.console.errors == []

    # the link names the weights; opened after a retraining (another version) the latent is still shown,
    # with a note that it now decodes to a different image
    version = page.evaluate("window.latentLab.state.model.version")
    assert f"v={version}" in link
    stale = new_page()
    stale.goto(link.replace(f"v={version}", "v=000000000000"))
    stale.wait_for_selector("body[data-ready=true]")
    expect(stale.locator("#alert")).to_contain_text("another version of the digits model")
    assert latent(stale) == pytest.approx(latent(page), abs=1e-6)


def test_a_drawing_made_while_a_shared_latent_decodes_stays_the_input(page: Page, new_page):
    """The link's latent is decoded on the server (the page's decoder blocked) and its answer held back
    until a drawing has been encoded: the drawing, the newer input, stays."""
    open_demo(page)
    link = page.evaluate("location.href")
    assert "z=" in link
    shared = new_page()
    shared.route("**/vendor/onnxruntime-web/**", lambda route: route.fulfill(status=404, body=""))
    held = []
    shared.route("**/decode", lambda route: held.append(route))
    settled = []
    for event in ("requestfinished", "requestfailed"):
        shared.on(event, lambda request: settled.append(request) if request.url.endswith("/decode") else None)
    with shared.expect_request("**/decode"):
        shared.goto(link)
    draw(shared, SEVEN)
    expect(shared.locator("#loglik")).to_have_text(NUMBER)
    drawn = latent(shared)
    for route in held:
        try:
            route.continue_()
        except Exception:  # the page gave up on the request when the drawing was sent: nothing to answer
            pass
    shared.wait_for_selector("body[data-ready=true]")
    assert settled, "the link's /decode never settled"
    expect(shared.locator("#input-caption")).to_have_text("Model sees")
    assert latent(shared) == drawn
    assert [e for e in shared.console.errors if "Failed to load resource" not in e] == []


LOADING = {"status": 503, "headers": {"Retry-After": "0"}, "json": {"detail": "still loading the models"}}


def test_while_the_models_load_the_page_waits_as_the_server_asks_and_then_starts(page: Page):
    answers = []

    def models(route):
        answers.append(route.request.url)
        if len(answers) <= 3:
            route.fulfill(**LOADING)
        else:
            route.continue_()

    page.route("**/models", models)
    open_demo(page)
    assert len(answers) == 4  # three times "still loading", asked again at once as Retry-After: 0 says
    expect(page.locator("#model-info")).to_contain_text("28×28")
    expect(page.locator("#busy")).to_be_hidden()
    expect(page.locator("#alert")).to_be_empty()
    assert [e for e in page.console.errors if "Failed to load resource" not in e] == []


def test_when_the_models_never_load_the_page_says_to_reload_it(page: Page):
    page.route("**/models", lambda route: route.fulfill(**LOADING))
    page.goto("/")
    # 120 answers of Retry-After: 0 take moments; a fixed second between them took two minutes
    expect(page.locator("#alert")).to_contain_text("Reload the page", timeout=30_000)
    expect(page.locator("#model-info")).to_have_text("No models available.")
    expect(page.locator("#busy")).to_be_hidden()


def test_bounds_measured_for_an_earlier_input_are_not_shown_for_a_newer_one(page: Page):
    bounds = Held(page, "**/encode", lambda request: b'name="bounds"' in (request.post_data_buffer or b""))
    open_demo(page)
    draw(page, SEVEN)
    wait_encoded(page)
    page.click("#bounds-run")
    expect(page.locator("#bounds-run")).to_be_disabled()  # one measurement at a time
    seven = latent(page)
    draw(page, ZERO)  # a new input while the bounds of the seven are measured
    wait_latent_change(page, seven)
    wait_encoded(page)
    assert bounds.release() == 1
    expect(page.locator("#posterior-panel")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#bounds-run")).to_be_enabled()
    expect(page.locator("#bounds-chart svg")).to_have_count(0)
    expect(page.locator("#bounds-caption")).to_have_text("Measure how the bound on log p(x) tightens for growing k.")


def test_a_custom_attribute_made_for_the_previous_model_is_no_slider_of_the_next(page: Page):
    made = Held(page, "**/attributes/custom")
    open_demo(page)
    page.set_input_files(
        "#file-with", files=[{"name": "zero.png", "mimeType": "image/png", "buffer": digit_png("zero")}]
    )
    page.set_input_files(
        "#file-without", files=[{"name": "one.png", "mimeType": "image/png", "buffer": digit_png("one")}]
    )
    page.fill("#custom-name", "roundness")
    with page.expect_request("**/attributes/custom"):
        page.click("#custom-create")
    page.select_option("#model-select", other_model(page))
    assert made.release() == 1
    expect(page.locator("#custom-panel")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator('#sliders .slider-row[data-attribute="roundness"]')).to_have_count(0)
    assert page.evaluate("Object.keys(window.latentLab.state.custom)") == []


def test_an_edit_baked_for_the_previous_model_does_not_replace_the_next_models_input(page: Page):
    decode_on_the_server(page)
    open_demo(page)
    page.locator("#sliders input[type=range]").first.fill("2")
    expect(page.locator("#edit-panel")).not_to_have_attribute("aria-busy", "true")
    edits = Held(page, "**/edit")
    page.click("#edited-use")
    page.select_option("#model-select", other_model(page))
    page.wait_for_function("window.latentLab.state.latent !== null")  # the new model's first view
    first_view = latent(page)
    edits.release()
    expect(page.locator("#edit-panel")).not_to_have_attribute("aria-busy", "true")
    assert latent(page) == first_view


@pytest.mark.parametrize("strip", ["interp", "sweep"])
def test_a_strip_of_the_previous_model_does_not_land_after_a_model_switch(page: Page, strip: str):
    decode_on_the_server(page)
    open_demo(page)
    if strip == "interp":
        page.click("#set-a")
        held = Held(page, "**/interpolate")
        with page.expect_request("**/interpolate"):
            page.click("#set-b")
    else:
        held = Held(page, "**/edit", lambda request: '"sweep"' in (request.post_data or ""))
        with page.expect_request("**/edit"):
            page.fill("#sweep-steps", "5")
            page.press("#sweep-steps", "Enter")
    # the next model's first view held back too: nothing of it arrives to cover a late answer
    first_view = Held(page, "**/sample")
    page.select_option("#model-select", other_model(page))
    held.release()
    panel = "#interp-panel" if strip == "interp" else "#edit-panel"
    expect(page.locator(panel)).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(f"#{strip}-strip .frame")).to_have_count(0)
    first_view.release()


def test_an_error_goes_away_when_the_next_request_of_its_panel_succeeds(page: Page):
    decode_on_the_server(page)
    open_demo(page)
    failures = [1]

    def edit(route):
        if failures[0] and '"sweep"' not in (route.request.post_data or ""):
            failures[0] -= 1
            route.fulfill(status=500, json={"detail": "The decoder stumbled."})
        else:
            route.continue_()

    page.route("**/edit", edit)
    slider = page.locator("#sliders input[type=range]").first
    slider.fill("1")
    expect(page.locator("#alert")).to_contain_text("The decoder stumbled.")
    # another panel's request that succeeds leaves the edit panel's error alone
    with page.expect_response("**/sample"):
        page.click("#sample-run")
    expect(page.locator("#sample-panel")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#alert")).to_contain_text("The decoder stumbled.")
    slider.fill("2")  # the next edit succeeds: the error is over
    expect(page.locator("#alert")).to_be_empty()
    expect(page.locator("#sliders output").first).to_have_text("+2.0")


def test_a_link_to_the_same_model_keeps_the_work_and_one_to_another_model_brings_its_samples(page: Page):
    open_demo(page)
    draw(page, SEVEN)
    wait_encoded(page)
    page.click("#set-a")
    expect(page.locator("#end-a")).to_have_attribute("src", DATA_URL)
    drawn = latent(page)
    # the hash edited by hand: another seed and slider value, the same model and input
    page.evaluate("location.hash = location.hash.replace(/seed=\\d+/, 'seed=5').replace(/edit=[^&]*/, 'edit=2.0%3A0')")
    page.wait_for_function("window.latentLab.state.seed === 5")
    expect(page.locator("#sample-download")).to_have_attribute("download", re.compile(r"-seed5\.png$"))  # redrawn
    expect(page.locator("#edited-view")).to_have_attribute("alt", "The input edited with 0 +2.0")
    expect(page.locator("#end-a")).to_have_attribute("src", DATA_URL)
    expect(page.locator("#posterior-grid .frame")).to_have_count(16)
    expect(page.locator("#sample-strip .frame")).to_have_count(8)
    assert latent(page) == drawn
    # a link to another model: the page starts over on it, with its samples and a first view
    other = other_model(page)
    page.evaluate("(name) => { location.hash = `model=${name}`; }", other)
    page.wait_for_function("(name) => window.latentLab.state.model.name === name", arg=other)
    expect(page.locator("#sample-strip .frame")).to_have_count(8)
    page.wait_for_function("window.latentLab.state.latent !== null")
    expect(page.locator("#end-a")).not_to_have_attribute("src", DATA_URL)
    assert page.console.errors == []


def test_bad_upload_shows_a_plain_error(page: Page):
    open_demo(page)
    upload(page, "#input-file", "notes.png", b"these are my shopping notes, not a picture\n")
    alert = page.locator("#alert[role=alert]")
    expect(alert).to_be_visible()
    message = alert.inner_text()
    assert message.strip()
    assert "[object" not in message and "undefined" not in message
    # dismissing clears it
    page.click("#alert .alert-close")
    expect(alert).to_be_empty()


def test_custom_attribute_becomes_a_slider(page: Page):
    open_demo(page)
    zeros = [{"name": f"zero{i}.png", "mimeType": "image/png", "buffer": digit_png("zero")} for i in range(2)]
    ones = [{"name": f"one{i}.png", "mimeType": "image/png", "buffer": digit_png("one")} for i in range(2)]
    page.set_input_files("#file-with", files=zeros)
    page.set_input_files("#file-without", files=ones)
    expect(page.locator("#thumbs-with img")).to_have_count(2)
    page.fill("#custom-name", "roundness")
    page.click("#custom-create")
    row = page.locator('#sliders .slider-row[data-attribute="roundness"]')
    expect(row).to_have_count(1)
    # the picker now lists it apart from the model's ten, in use
    expect(page.locator("#attr-select optgroup")).to_have_count(2)
    expect(page.locator('#attr-select optgroup[label="yours"] option')).to_have_text(["roundness (custom)"])
    expect(page.locator('#attr-select option[value="roundness"]')).to_be_disabled()
    before = src(page, "#edited-view")
    row.locator("input[type=range]").fill("2.5")
    wait_src_change(page, "#edited-view", before)
    vector = page.evaluate("window.latentLab.state.edits.find(e => e.name === 'roundness').vector")
    assert len(vector) == page.evaluate("window.latentLab.state.model.latent_size")
    # the vector travels in the link too
    assert "vector=" in page.evaluate("location.hash")
    assert page.console.errors == []


def test_sample_click_makes_it_the_input(page: Page):
    open_demo(page)
    page.fill("#seed", "7")
    page.click("#sample-run")
    expect(page.locator("#sample-download")).to_have_attribute("download", re.compile("seed7"))
    page.locator("#sample-strip .frame").nth(3).click()
    page.wait_for_function("location.hash.includes('seed=7')")
    expect(page.locator("#input-caption")).to_have_text("Decoded from latent")
    assert page.console.errors == []


def test_the_sample_panel_says_what_each_model_samples_and_starts_at_its_measured_temperature(page: Page):
    open_demo(page)
    models = page.evaluate("fetch('/models').then((answer) => answer.json())")
    for model in sorted(models, key=lambda m: m["name"] == "digits"):  # the page opens on digits: leave it first
        page.select_option("#model-select", model["name"])
        expect(page.locator("#temperature-value")).to_have_text(f"{model['sample_temperature']:.2f}")
        source = {"prior": "from the prior", "encodings": "from the training encodings"}[model["samples_from"]]
        expect(page.locator("#sample-title")).to_have_text(f"4 Sample {source}")
        assert float(page.locator("#temperature").input_value()) == pytest.approx(model["sample_temperature"])
    assert page.console.errors == []


def test_fits_a_phone_screen_and_draws_with_a_finger(browser, base_url):
    phone_size = {"width": 375, "height": 740}
    context = browser.new_context(base_url=base_url, viewport=phone_size, has_touch=True, is_mobile=True)
    phone = context.new_page()
    errors = []
    phone.on("pageerror", lambda error: errors.append(str(error)))
    open_demo(phone)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    pad = phone.locator("#pad")
    assert pad.evaluate("el => getComputedStyle(el).touchAction") == "none"

    # a finger stroke: real touch events through the DevTools protocol become pointer events
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    before = src(phone, "#recon-view")
    cdp = context.new_cdp_session(phone)
    points = [(0.3, 0.25), (0.7, 0.25), (0.6, 0.5), (0.45, 0.8)]
    for i, (x, y) in enumerate(points):
        kind = "touchStart" if i == 0 else "touchMove"
        point = {"x": box["x"] + x * box["width"], "y": box["y"] + y * box["height"]}
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    wait_src_change(phone, "#recon-view", before)
    wait_encoded(phone)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "test_fits_a_phone_screen_and_draws_with_a_finger.png"), full_page=True)
    assert errors == []
    context.close()


def held_out_face_photo(index: int) -> bytes:
    """A held-out CelebA face (the last 1,000 of celeba_64_10k.npz are the test set) enlarged and placed
    in a wider scene, as a JPEG: what a person would upload."""
    from app.png import to_uint8
    from model.data import CELEBA_TEST_SIZE, data_dir, decode_jpegs

    path = data_dir() / "celeba_64_10k.npz"
    if not path.exists():
        pytest.skip(f"{path} not found (set IWAE_DATA_DIR)")
    with np.load(path) as f:
        offsets = f["offsets"]
        pixels = decode_jpegs(f["jpeg_bytes"], offsets, [len(offsets) - 1 - CELEBA_TEST_SIZE + index])[0]
    face = Image.fromarray(to_uint8(pixels))
    photo = Image.new("RGB", (640, 480), (96, 112, 104))
    photo.paste(face.resize((256, 256), Image.Resampling.BICUBIC), (300, 90))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def test_the_faces_first_view_is_the_average_face_and_the_strip_is_samples(page: Page):
    """A model that samples from its training encodings starts on their mean (temperature 0), not on
    one draw, which at the default temperature is about as often a smudge as a face."""
    open_demo(page)
    with page.expect_response(
        lambda r: r.url.endswith("/sample") and '"temperature":0' in (r.request.post_data or "")
    ) as mean:
        page.select_option("#model-select", "faces")
    average = mean.value.json()
    expect(page.locator("#input-view")).to_have_attribute("src", average["images"][0])
    expect(page.locator("#sample-strip img")).to_have_count(8)  # the strip: draws at the default temperature
    assert average["images"][0] not in [img.get_attribute("src") for img in page.locator("#sample-strip img").all()]
    assert page.console.errors == []


@pytest.mark.real_data
def test_faces_photo_mode_encodes_an_upload_and_smiling_changes_it(page: Page):
    photo = held_out_face_photo(3)
    open_demo(page)
    page.select_option("#model-select", "faces")
    expect(page.locator("#model-info")).to_contain_text("64×64 colour")
    expect(page.locator("#model-info")).to_contain_text(re.compile(r"test NLL \d\.\d\d bits/dim"))
    expect(page.locator("#pad")).to_be_hidden()  # faces are uploaded, not drawn
    expect(page.locator("#sliders .slider-row")).to_have_attribute("data-attribute", "Smiling (balanced)")
    # 120 vectors in three labelled groups, balanced first; "Add" offers the next well-known one
    groups = page.locator("#attr-select optgroup")
    expect(groups).to_have_count(3)
    assert groups.first.get_attribute("label").startswith("balanced")
    assert groups.nth(1).get_attribute("label").startswith("independent")
    expect(groups.first.locator("option")).to_have_count(40)
    expect(page.locator("#attr-select")).to_have_value("Male (balanced)")
    page.click("#attr-add")
    expect(page.locator("#sliders .slider-row").nth(1)).to_have_attribute("data-attribute", "Male (balanced)")
    expect(page.locator("#attr-select")).to_have_value("Eyeglasses (balanced)")
    # what a classifier found (bench/attribute_fidelity.py --save): Smiling does its job, marked on its slider
    # where; Male does not, and says how far it gets
    smiling, male = page.locator("#sliders .slider-row").nth(0), page.locator("#sliders .slider-row").nth(1)
    works = re.compile(r"^does it by \+\d\.\d: \d+ % of test images turned$")
    expect(smiling.locator(".slider-note.works")).to_have_text(works)
    ticks = smiling.locator("input[type=range]").get_attribute("list")
    expect(smiling.locator(f"datalist#{ticks} option")).to_have_count(1)
    expect(male.locator(".slider-note")).to_have_text(re.compile(r"^turns at most \d+ % of test images"))
    assert male.locator("input[type=range]").get_attribute("list") is None

    # uploaded at once, before the faces' first view (the average face) has arrived: the upload wins
    upload(page, "#input-file", "portrait.jpg", photo, "image/jpeg")
    wait_encoded(page, timeout=60_000)  # 66 samples through the conv decoder: slow on a busy 2-core CI machine
    assert page.locator("#alert").inner_text() == ""  # the face was found: no "no face found" warning
    assert DATA_URL.match(src(page, "#recon-view"))
    expect(page.locator("#loglik-note")).to_contain_text(re.compile(r"\(\d\.\d\d bits/dim\)"))
    # one posterior sample takes nearly all the weight of a face, and the page says why
    expect(page.locator("#posterior-ess")).to_contain_text(re.compile(r"Effective sample size 1\.\d of \d+"))
    expect(page.locator("#posterior-ess")).to_contain_text("over 12,288 pixel values")
    before = src(page, "#edited-view")
    slider = page.locator("#sliders input[type=range]").first
    slider.focus()
    page.keyboard.press("End")
    expect(page.locator("#sliders output").first).to_have_text("+3.0")
    wait_src_change(page, "#edited-view", before)

    # the bound chart stops at the faces' cap of 500 importance samples
    expect(page.locator("#bounds-run")).to_have_text("Measure k = 1 … 500")
    page.click("#bounds-run")
    expect(page.locator("#bounds-chart svg circle")).to_have_count(4, timeout=60_000)
    assert page.console.errors == []


def relative_luminance(css_colour: str) -> float:
    """WCAG's relative luminance of a computed colour, "rgb(r, g, b)"."""
    channels = [int(c) / 255 for c in re.findall(r"\d+", css_colour)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted([relative_luminance(a), relative_luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


BUTTON_COLOURS = (
    "el => { const s = getComputedStyle(el); return {outline: s.outlineStyle, ring: s.outlineColor,"
    " fill: s.backgroundColor, label: s.color, card: getComputedStyle(el.closest('.card')).backgroundColor,"
    " page: getComputedStyle(document.body).backgroundColor}; }"
)


def settled_colours(button) -> dict:
    """The colours of a button and of what is around it, once its transitions (hover, focus) are over."""
    button.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    return button.evaluate(BUTTON_COLOURS)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_focus_ring_has_3_to_1_against_the_page_and_the_buttons_it_rings(page: Page, scheme: str):
    """WCAG 1.4.11: the ring around a focused control stands out from what is around it, in either colour
    scheme, under the pointer too; and the accent that makes this possible keeps its own contrasts (its
    labels 4.5:1, WCAG 1.4.3; the filled button 3:1 against the card and the page)."""
    page.emulate_media(color_scheme=scheme)
    open_demo(page)
    page.keyboard.press("Tab")  # the keyboard in use: focus rings show from here on
    button = page.locator("#sample-run")  # a filled accent button on a card
    button.focus()
    still = settled_colours(button)
    button.hover()
    hovered = settled_colours(button)
    assert still["outline"] == "solid", still
    for style in (still, hovered):
        for around in ("fill", "card", "page"):
            assert contrast(style["ring"], style[around]) >= 3, (around, style)
        assert contrast(style["label"], style["fill"]) >= 4.5, style
    for around in ("card", "page"):
        assert contrast(still["fill"], still[around]) >= 3, (around, still)
    assert hovered["fill"] != still["fill"], "the hover fill is a colour of its own, whose contrasts are known"

    # a secondary button's label is the accent: on the card, and on the soft accent under the pointer
    secondary = page.locator("#sample-new")
    assert contrast(settled_colours(secondary)["label"], still["card"]) >= 4.5
    secondary.hover()
    hovered = settled_colours(secondary)
    assert contrast(hovered["label"], hovered["fill"]) >= 4.5, hovered


def test_groups_the_model_line_and_the_current_sweep_frame_are_told_to_screen_readers(page: Page):
    open_demo(page)
    for selector in ("#sliders", "#posterior-grid", "#thumbs-with", "#thumbs-without"):
        expect(page.locator(selector)).to_have_attribute("role", "group")
    expect(page.locator("#model-info")).to_have_attribute("aria-live", "polite")  # "still loading…" is heard
    current = page.locator("#sweep-strip .frame[aria-current=true]")
    expect(current).to_have_count(1)
    expect(current).to_have_class(re.compile(r"\bcurrent\b"))
    page.locator("#sliders input[type=range]").first.fill("3")
    expect(page.locator("#sweep-strip .frame").last).to_have_attribute("aria-current", "true")
    expect(page.locator("#sweep-strip .frame[aria-current=true]")).to_have_count(1)


def focused_in(page: Page, selector: str) -> None:
    """Waits until the keyboard focus is inside `selector`."""
    page.wait_for_function(
        "(sel) => document.activeElement && document.activeElement.closest(sel) !== null", arg=selector
    )


def test_the_keyboard_focus_stays_where_the_person_was_when_the_page_redraws(page: Page):
    open_demo(page)
    # removing a slider rebuilds the rows: the focus moves to the next row, not to the top of the page
    page.select_option("#attr-select", "7")
    page.click("#attr-add")
    expect(page.locator("#sliders .slider-row")).to_have_count(2)
    page.locator("#sliders .slider-row").first.locator("button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#sliders .slider-row")).to_have_count(1)
    focused_in(page, '#sliders .slider-row[data-attribute="7"]')

    # a sweep frame picked with the keyboard: the strip is redrawn for the new input, the focus stays in it
    expect(page.locator("#sweep-strip .frame")).to_have_count(9)
    before = latent(page)
    page.locator("#sweep-strip .frame").nth(2).focus()
    page.keyboard.press("Enter")
    wait_latent_change(page, before)
    expect(page.locator("#edit-panel")).not_to_have_attribute("aria-busy", "true")
    focused_in(page, "#sweep-strip .frame")

    # an alert dismissed with the keyboard: the focus goes back to the button that led to it
    page.locator("#custom-create").focus()
    page.keyboard.press("Enter")  # no examples yet: an error
    expect(page.locator("#alert")).to_contain_text("Add at least one image")
    page.locator("#alert .alert-close").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#alert")).to_be_empty()
    expect(page.locator("#custom-create")).to_be_focused()
    assert page.console.errors == []


def test_the_keyboard_focus_stays_near_a_picked_posterior_sample_a_removed_example_and_a_cleared_strip(page: Page):
    open_demo(page)
    # a posterior sample picked with the keyboard: its latent is no encoded input, the grid empties,
    # and the focus stays on the grid
    draw(page, SEVEN)
    wait_encoded(page)
    page.locator("#posterior-grid .frame").nth(2).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#input-caption")).to_have_text("Decoded from latent")
    expect(page.locator("#posterior-grid .frame")).to_have_count(0)
    expect(page.locator("#posterior-grid")).to_be_focused()

    # custom-attribute examples removed with the keyboard: the next one, then the button that adds them
    add = page.locator('.add-current[data-zone="with"]')
    add.click()
    add.click()
    thumbs = page.locator("#thumbs-with .thumb")
    expect(thumbs).to_have_count(2)
    thumbs.first.focus()
    page.keyboard.press("Enter")
    expect(thumbs).to_have_count(1)
    expect(thumbs.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(thumbs).to_have_count(0)
    expect(add).to_be_focused()

    # the strip emptied under the keyboard (back to a link to another model): the focus stays on the strip
    page.locator("#sample-strip .frame").nth(3).focus()
    other = other_model(page)
    page.evaluate("(name) => { location.hash = `model=${name}`; }", other)
    page.wait_for_function("(name) => window.latentLab.state.model.name === name", arg=other)
    expect(page.locator("#sample-strip .frame")).to_have_count(8)
    expect(page.locator("#sample-strip")).to_be_focused()
    assert page.console.errors == []


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("model", ["digits", "faces"])
def test_no_serious_accessibility_violation_for_either_model(page: Page, model: str):
    """axe-core (from npm, installed by `make test`) audits the whole page once each model's first view
    is on screen; a moderate, serious or critical violation fails the test, naming the rule and the elements."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm install` (make test does)")
    open_demo(page)
    if model != "digits":
        page.select_option("#model-select", model)
        expect(page.locator("#model-info")).to_contain_text("64×64 colour")
        page.wait_for_selector("body[data-ready=true]")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v["impact"] in ("serious", "critical", "moderate")
    ]
    assert not serious, "\n".join(serious)
