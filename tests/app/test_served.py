"""A served model's operations on tiny untrained bundles: each checks its input, runs the model once
and returns numpy: uploads encoded with their bounds, edits, paths, prior samples, custom vectors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np
import pytest
from app_fixtures import DIGITS_LATENT, DIGITS_TOP, FACES_ENCODINGS, FACES_LATENT, digit_drawing, encode_image

from app.exceptions import InvalidLatent, InvalidRequest, UnknownAttribute
from app.served import BOUND_KS, Direction

DIGIT = encode_image(digit_drawing(120, 90))


@pytest.fixture
def digits(engine):
    return engine.model("digits")


def test_uploads_become_binary_digits_and_8_bit_faces(engine, digits):
    prepared = digits.prepare(DIGIT)
    assert prepared.inputs.shape == (1, 28, 28, 1) and set(np.unique(prepared.inputs)) <= {0.0, 1.0}
    np.testing.assert_array_equal(prepared.shown, prepared.inputs[0])
    face = engine.model("faces").prepare(
        encode_image((np.random.default_rng(0).random((80, 80, 3)) * 255).astype(np.uint8))
    )
    levels = (face.inputs + 1) * 127.5
    np.testing.assert_allclose(levels, np.round(levels), atol=1e-3)
    np.testing.assert_allclose(face.shown, (face.inputs[0] + 1) / 2, atol=1e-6)


def test_encoding_gives_the_estimate_as_the_first_k_of_the_bounds_draw(digits):
    encoded = digits.encode(DIGIT, k=50, bounds=True, seed=1, samples=5)
    assert list(encoded.bounds) == list(BOUND_KS)
    # Nested disjoint groups of the same samples: L_1 ≤ L_5 ≤ … ≤ L_5000 holds exactly (Jensen), not just on average.
    values = [encoded.bounds[k] for k in BOUND_KS]
    assert values == sorted(values)
    assert encoded.log_likelihood == pytest.approx(digits.encode(DIGIT, k=50, seed=1).log_likelihood, abs=1e-9)
    assert encoded.bounds[5000] == pytest.approx(digits.encode(DIGIT, k=5000, seed=1).log_likelihood, abs=1e-9)
    assert encoded.latent.shape == encoded.std.shape == (DIGITS_LATENT,)
    posterior = encoded.posterior
    assert posterior.latents.shape == (5, DIGITS_LATENT) and posterior.images.shape == (5, 28, 28, 1)
    assert posterior.weights.sum() == pytest.approx(1.0, abs=1e-5) and (posterior.weights >= 0).all()


def test_k_and_samples_are_checked_per_model(engine, digits):
    with pytest.raises(InvalidRequest, match="between 1 and 5000"):
        digits.encode(DIGIT, k=5001)
    with pytest.raises(InvalidRequest, match="between 1 and 500 for the faces model"):
        engine.model("faces").encode(DIGIT, k=501)
    with pytest.raises(InvalidRequest, match="samples"):
        digits.encode(DIGIT, k=5, samples=65)


def test_a_bundle_with_fitted_encodings_samples_from_them_seeded(engine):
    faces = engine.model("faces")  # its bundle has a latent Gaussian (app_fixtures.FACES_ENCODINGS)
    latents, images = faces.sample(4, seed=7, temperature=1.0)
    np.testing.assert_array_equal(latents, faces.sample(4, seed=7)[0])
    np.testing.assert_array_equal(latents, FACES_ENCODINGS.draw(4, 1.0, seed=7))
    np.testing.assert_allclose(faces.sample(4, seed=7, temperature=0.5)[0], FACES_ENCODINGS.draw(4, 0.5, seed=7))
    assert latents.shape == (4, FACES_LATENT) and images.shape == (4, 64, 64, 3)


def test_prior_samples_are_carried_down_to_a_lower_latent_layer(digits):
    top = np.random.default_rng(7).standard_normal((4, DIGITS_TOP)).astype(np.float32) * 0.5
    latents, images = digits.sample(4, seed=7, temperature=0.5)
    model = digits.bundle.model
    np.testing.assert_allclose(latents, model.from_prior(top).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(images, model.decode(latents).numpy(), atol=1e-5)
    assert latents.shape == (4, DIGITS_LATENT) and digits.info.latent_layer == "h1"


def test_an_edit_and_its_sweep_are_decoded_together(digits):
    z = np.linspace(-1, 1, DIGITS_LATENT)
    seven = digits.attribute("7")
    edited = asyncio.run(digits.edit(z, [(Direction("7"), 1.5), (Direction(vector=[0.1] * DIGITS_LATENT), -1)]))
    np.testing.assert_allclose(edited.latent, z + 1.5 * seven - 0.1, rtol=1e-5, atol=1e-6)
    assert edited.sweep_images is None and edited.image.shape == (28, 28, 1)
    swept = asyncio.run(digits.edit(z, [], (Direction("1"), -1.0, 1.0, 3)))
    np.testing.assert_allclose(swept.sweep_scales, [-1, 0, 1])
    assert swept.sweep_images.shape == (3, 28, 28, 1)
    np.testing.assert_allclose(swept.sweep_images[1], swept.image, atol=1e-6)  # scale 0 is the edit itself


def test_paths_between_latents_and_between_uploads(digits):
    a, b = np.zeros(DIGITS_LATENT), np.ones(DIGITS_LATENT)
    path = asyncio.run(digits.interpolate(a, b, 5, "lerp"))
    np.testing.assert_allclose(path.latents[2], 0.5, atol=1e-6)
    assert path.images.shape == (5, 28, 28, 1) and path.inputs is None
    uploads = digits.interpolate_images(DIGIT, encode_image(np.full((50, 50), 255, np.uint8)), 4, "slerp")
    assert uploads.inputs.shape == (2, 28, 28, 1) and uploads.latents.shape == (4, DIGITS_LATENT)
    assert any(w.startswith("end_image: no digit found") for w in uploads.warnings)


def test_custom_attribute_is_a_mean_difference_of_the_uploads(digits):
    drawings = [encode_image(digit_drawing(60 + 10 * i, 60)) for i in range(5)]
    read = []

    def upload(i: int) -> tuple[str, Callable[[], bytes]]:
        return f"{i}.png", lambda: read.append(i) or drawings[i]

    vector, warnings = digits.custom_attribute([upload(i) for i in range(3)], [upload(i) for i in (3, 4)], "mine")
    assert read == [0, 1, 2, 3, 4]  # each read once, in order
    latents, _ = digits.compiled.encode(np.concatenate([digits.prepare(d).inputs for d in drawings]))
    np.testing.assert_allclose(vector.vector, latents[:3].mean(0) - latents[3:].mean(0), rtol=1e-5, atol=1e-6)
    assert (vector.name, vector.method, vector.n_positive, vector.n_negative) == ("mine", "custom", 3, 2)
    assert warnings == []
    with pytest.raises(InvalidRequest, match="`without` needs 1 to 64 images"):
        digits.custom_attribute([upload(0)], [], "none")
    assert read == [0, 1, 2, 3, 4]  # refused before reading any file


def test_bad_names_and_latents_are_refused_with_their_status(digits):
    with pytest.raises(UnknownAttribute, match="it has: 0, 1, 7") as unknown:
        digits.attribute("Smiling")
    assert unknown.value.status == 404
    with pytest.raises(InvalidLatent, match="4-dimensional") as wrong:
        asyncio.run(digits.decode([[0.0, 1.0]]))
    assert wrong.value.status == 422
    with pytest.raises(InvalidLatent, match="NaN or infinity"):
        digits.latent([0.0, np.inf, 0.0, 0.0])
    with pytest.raises(InvalidLatent, match="no latents"):
        asyncio.run(digits.decode([]))
