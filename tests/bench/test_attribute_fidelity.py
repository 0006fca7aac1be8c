"""bench/attribute_fidelity.py: its measurements on hand-made arrays, and the whole digits and faces
paths on tiny untrained bundles judged by stub classifiers (no real data, no trained classifier)."""

from itertools import product

import numpy as np
import pytest
from bench_scripts import load_bench_script
from PIL import Image

from model.attributes import AttributeVector
from model.bundle import load_bundle, save_attributes, save_bundle
from model.config import Config, ModelConfig, TrainConfig
from model.data import Dataset
from model.iwae import IWAE, build

af = load_bench_script("attribute_fidelity")


def test_edited_latents_adds_each_scale():
    latents = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)
    edited = af.edited_latents(latents, np.array([1.0, -1.0], np.float32), np.array([0.0, 2.0]))
    assert edited.shape == (2, 2, 2)
    np.testing.assert_array_equal(edited[0], latents)
    np.testing.assert_array_equal(edited[1], [[2, -1], [4, 1]])


def test_class_fidelity_counts_hits_and_third_class_changes():
    predicted = np.array(
        [
            [1, 2, 3, 0],  # scale 0: the reconstructions' classes
            [0, 2, 5, 0],  # one moved to 0, one to a third class (3 → 5)
            [0, 0, 0, 7],  # all but one at 0; the last left 0 for 7
        ]
    )
    hit, drift = af.class_fidelity(predicted, target=0)
    np.testing.assert_array_equal(hit, [0.25, 0.5, 0.75])
    np.testing.assert_array_equal(drift, [0.0, 0.25, 0.25])


def test_attribute_fidelity_and_probability_change():
    base = np.array([[0.1, 0.2, 0.9], [0.6, 0.4, 0.1]])  # (N=2, A=3), attribute 0 is the target
    moved = base + np.array([[0.8, 0.1, -0.3], [0.3, -0.2, 0.1]])
    probs = np.stack([base, moved])  # (S=2, N, A)
    hit, drift = af.attribute_fidelity(probs, target=0)
    np.testing.assert_allclose(hit, [0.5, 1.0])
    np.testing.assert_allclose(drift, [0.0, (0.1 + 0.3 + 0.2 + 0.1) / 4])
    np.testing.assert_allclose(af.probability_change(probs, 1), [0.0, (0.1 - 0.2) / 2])


def test_roc_auc_matches_counting_pairs():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 40).astype(float)  # many ties
    positive = rng.random(40) < 0.4
    pairs = [1.0 if p > q else 0.5 if p == q else 0.0 for p, q in product(scores[positive], scores[~positive])]
    assert af.roc_auc(scores, positive) == pytest.approx(np.mean(pairs))
    assert af.roc_auc(np.array([0.1, 0.9]), np.array([False, True])) == 1.0
    assert np.isnan(af.roc_auc(np.array([0.1, 0.9]), np.array([True, True])))


def test_picture_strip_places_tiles_in_rows_and_columns():
    images = np.zeros((2, 3, 2, 2, 1), np.float32)  # (rows, scales, H, W, C)
    images[1, 2] = 1.0  # the last tile of the second row is white, the rest black
    strip = af.picture_strip(images, upscale=2, gap=1)
    assert strip.mode == "L" and strip.size == (3 * 4 + 2, 2 * 4 + 1)  # (width, height)
    pixels = np.asarray(strip)
    assert pixels[0, 0] == 0 and pixels[0, 4] == 255  # a tile, then the gap
    assert (pixels[5:9, 10:14] == 255).all() and (pixels[5:9, 5:9] == 0).all()
    colour = af.picture_strip(np.full((1, 2, 4, 4, 3), 0.5, np.float32))
    assert colour.mode == "RGB" and colour.size == (10, 4) and np.asarray(colour)[0, 0, 0] == 128


def test_strip_png_falls_back_to_a_palette_when_too_large():
    noise = np.random.default_rng(0).random((1, 1, 64, 64, 3)).astype(np.float32)
    picture = af.picture_strip(noise)
    small = af.strip_png(picture, limit=1000)
    assert Image.open(__import__("io").BytesIO(small)).mode == "P"
    assert len(small) < len(af.strip_png(picture, limit=10**9))


def test_choose_vectors():
    faces = ["Male", "Smiling", "Young", "Smiling (balanced)", "Male (balanced)"]
    defaults = ["Smiling", "Smiling (balanced)", "Male", "Male (balanced)", "Young"]  # no Eyeglasses, Blond_Hair
    assert af.choose_vectors(faces, None, False, classes=False) == defaults
    assert af.choose_vectors(faces, ["Young", "Smiling"], False, False) == ["Young", "Smiling", "Smiling (balanced)"]
    with_independent = [*faces, "Smiling (independent)"]
    assert af.choose_vectors(with_independent, ["Smiling"], False, False) == [
        "Smiling",
        "Smiling (balanced)",
        "Smiling (independent)",
    ]
    assert af.choose_vectors(faces, None, True, classes=False) == faces
    assert af.choose_vectors([str(d) for d in range(10)], None, False, classes=True) == ["0"]
    assert af.choose_vectors(["0", "1"], None, True, classes=True) == ["0", "1"]
    with pytest.raises(ValueError, match="'Bald'"):
        af.choose_vectors(faces, ["Bald"], False, classes=False)
    assert af.slug("Smiling (balanced)") == "Smiling-balanced"


def test_a_variant_is_judged_by_the_attribute_it_adds():
    assert af.attribute_of("Smiling (balanced)") == "Smiling" and af.attribute_of("Smiling (independent)") == "Smiling"
    assert af.attribute_of("Smiling") == "Smiling" and af.attribute_of("0") == "0"


def test_markdown_tables_have_one_column_per_scale():
    rows = [
        af.Row(
            "Smiling",
            "mean_difference",
            5,
            np.array([0.0, 0.4, 0.8]),
            np.array([0.0, 0.01, 0.05]),
            np.array([0.0, -0.1, -0.0001]),
        ),
        af.Row("Male", "mean_difference", 5, np.array([0.2, 0.6, 1.0]), np.array([0.0, 0.02, 0.03])),
    ]
    text = af.fidelity_tables(rows, [0.0, 1.0, 2.0], classes=False)
    main = text.splitlines()
    assert main[0] == "| vector | method | n | ×0 | ×1 | ×2 | drift ×1 | drift ×2 | ΔP(Male) ×1 | ΔP(Male) ×2 |"
    assert main[2] == "| Smiling | mean_difference | 5 | 0.00 | 0.40 | 0.80 | 0.010 | 0.050 | -0.100 | +0.000 |"
    assert main[3] == "| Male | mean_difference | 5 | 0.20 | 0.60 | 1.00 | 0.020 | 0.030 | — | — |"


def test_reach_within_budget_is_how_far_a_vector_gets_before_its_drift_passes_the_goal():
    scales = [0.0, 1.0, 2.0, 3.0]
    slow = af.Row("Young", "balanced", 5, np.array([0.1, 0.3, 0.6, 0.95]), np.array([0.0, 0.02, 0.05, 0.08]))
    never = af.Row("Bald", "balanced", 5, np.array([0.1, 0.9, 1.0, 1.0]), np.array([0.0, 0.06, 0.1, 0.2]))
    hit, drift = np.array([0.1, 0.5, 0.92, 1.0]), np.array([0.0, 0.01, 0.04, 0.07])
    meets = af.Row("Young (independent)", "independent", 5, hit, drift)
    assert af.reach_within_budget(slow, scales, classes=False) == 0.6  # ×3's 95 % costs 0.08 of drift
    assert af.reach_within_budget(never, scales, classes=False) is None
    summary = af.reach_summary([slow, never, meets], scales, classes=False)
    # per attribute, the best of its vectors: Young 0.92 (its independent vector), Bald none within the budget
    assert "turns ≥ 90% of the images for 1 of the 2 attributes, 80–90% for 0, 50–80% for 0 and fewer for 0" in summary
    assert summary.endswith("(median 92%); 1 drift past the budget at every scale measured.")
    table = af.goal_table([slow, never], scales, classes=False).splitlines()
    assert "| Young | balanced | — | 0.60 |" in table and "| Bald | balanced | — | — |" in table


def test_the_bundle_keeps_the_gentlest_scale_that_works_or_else_what_stopped_the_vector():
    scales = [0.0, 1.0, 2.0, 3.0]
    works = af.Row("Smiling", "balanced", 200, np.array([0.1, 0.5, 0.92, 1.0]), np.array([0.0, 0.01, 0.04, 0.045]))
    drifts = af.Row("Young", "balanced", 200, np.array([0.1, 0.3, 0.6, 0.95]), np.array([0.0, 0.02, 0.05, 0.08]))
    short = af.Row("Bald", "balanced", 200, np.array([0.1, 0.12, 0.15, 0.18]), np.array([0.0, 0.005, 0.008, 0.011]))
    at_once = af.Row("Male", "balanced", 200, np.array([0.1, 0.9, 1.0, 1.0]), np.array([0.0, 0.06, 0.1, 0.2]))
    judged = [af.judged_record(row, scales, classes=False) for row in (works, drifts, short, at_once)]
    assert [(j.scale, j.turned, j.outcome) for j in judged] == [
        (2.0, 0.92, "meets_goal"),
        (2.0, 0.6, "stopped_by_drift"),
        (3.0, 0.18, "short_at_largest_scale"),
        (1.0, 0.9, "drifts_from_first_scale"),
    ]
    assert judged[3].drift == 0.06 and (judged[0].turned_needed, judged[0].drift_allowed, judged[0].n) == (
        0.9,
        0.05,
        200,
    )
    digit = af.judged_record(
        af.Row("5", "steered", 500, np.array([0.0, 0.97]), np.array([0.0, 0.01])), [0.0, 1.0], True
    )
    assert digit.outcome == "meets_goal" and digit.turned_needed == 0.95
    assert digit.drift_measure == "fraction turned into a third class"


def test_the_scales_must_rise_from_zero_and_save_keeps_the_calibrated_figures():
    for argv in (["--scales", "0", "3", "2"], ["--scales", "0"], ["--save", "--half"]):
        with pytest.raises(SystemExit):
            af.main(["--bundle", "model/bundles/faces", *argv])


# ---- the whole run on tiny untrained bundles ----


def colour_blobs(n: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    images = np.empty((n, 16, 16, 3), np.float32)
    for i in range(n):
        images[i] = rng.uniform(0.1, 0.9, 3)
        r, c = rng.integers(0, 10, 2)
        images[i, r : r + 6, c : c + 6] = 0.9
    return np.round(images * 255) / 255


def stub_face_classifier(images: np.ndarray) -> np.ndarray:
    """P(attribute a) from the mean of colour channel a: (N, 16, 16, 3) → (N, 3)."""
    return 1 / (1 + np.exp(-20 * (images.mean(axis=(1, 2)) - 0.5)))


def test_faces_path_on_a_tiny_bundle(tmp_path, tiny_conv_config):
    import keras

    keras.utils.set_random_seed(0)
    config = Config(
        tiny_conv_config,
        TrainConfig(dataset="celeba"),
    )
    directory = save_bundle(build(IWAE(config.model)), config, tmp_path / "faces")
    rng = np.random.default_rng(1)
    methods = {"Male": "mean_difference", "Smiling": "mean_difference", "Smiling (balanced)": "balanced"}
    vectors = {
        name: AttributeVector(name, rng.standard_normal(8).astype(np.float32), method, 10, 10)
        for name, method in methods.items()
    }
    save_attributes(directory, vectors)
    images = colour_blobs(24)
    labels = np.where(stub_face_classifier(images) > 0.5, 1, -1).astype(np.int8)
    test = Dataset(images, labels, ("Male", "Smiling", "Young"))

    names = af.choose_vectors(["Male", "Smiling", "Smiling (balanced)"], ["Smiling", "Male"], False, classes=False)
    report, rows = af.run(
        load_bundle(directory),
        test,
        stub_face_classifier,
        names,
        [0.0, 1.0, 3.0],
        n=5,
        out=tmp_path / "out",
        strip_rows=2,
    )

    assert (tmp_path / "out" / "faces.md").read_text() == report
    lines = report.splitlines()
    assert "| attribute | AUC on real test faces (24) | AUC on their reconstructions |" in lines
    assert any(line.startswith("| mean | 1.000 |") for line in lines)
    assert any(line.startswith("| Smiling | 1.000 |") for line in lines)
    assert any(
        line.endswith("vectors reach ≥ 90% positive with mean |ΔP| of the other attributes ≤ 0.05 at some scale ≤ 3:")
        for line in lines
    )
    rows = [line for line in lines if line.startswith(("| Smiling", "| Male")) and line.count(" | ") > 3]
    assert [r.split(" | ")[0] for r in rows[:3]] == ["| Smiling", "| Smiling (balanced)", "| Male"]
    assert rows[2].endswith("| — | — |") and rows[0].split(" | ")[1:3] == ["mean_difference", "5"]
    assert rows[1].split(" | ")[1] == "balanced"
    for name in ("Male", "Smiling", "Smiling-balanced"):
        with Image.open(tmp_path / "out" / f"faces-{name}.png") as strip:
            assert strip.mode == "RGB" and strip.size == (3 * 96 + 2 * 2, 2 * 96 + 2)  # 16 px tiles shown at ×6
        assert f"![{name.replace('-balanced', ' (balanced)')}](faces-{name}.png)" in report


def test_digits_path_on_a_tiny_bundle(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    config = Config(
        ModelConfig(image_shape=(28, 28, 1), latent_sizes=(6, 4), hidden_sizes=((16,), (8,))),
        TrainConfig(dataset="mnist"),
    )
    directory = save_bundle(build(IWAE(config.model)), config, tmp_path / "digits")
    vectors = {d: AttributeVector(d, np.full(4, float(d) + 1, np.float32), "mean_difference", 5, 5) for d in "01"}
    save_attributes(directory, vectors)
    rng = np.random.default_rng(0)
    test = Dataset(rng.random((30, 28, 28, 1)).astype(np.float32), np.arange(30) % 3, ("0", "1", "2"))

    def classify(images):  # class 0 for dark images, 1 for bright, 2 between
        brightness = images.mean(axis=(1, 2, 3))
        return np.eye(3)[np.where(brightness < 0.45, 0, np.where(brightness > 0.55, 1, 2))]

    report, rows = af.run(load_bundle(directory), test, classify, ["0"], [0.0, 1.0], n=50, out=tmp_path)
    row = next(line for line in report.splitlines() if line.startswith("| 0 |"))
    assert row.split(" | ")[1:3] == ["mean_difference", "20"]  # every test digit not labelled 0
    assert "| images | classifier accuracy |" in report
    assert "vectors reach ≥ 95% classified as the class with drifting to a third class ≤ 0.05" in report
    with Image.open(tmp_path / "digits-0.png") as strip:
        assert strip.mode == "L" and strip.size == (2 * 84 + 2, 6 * 84 + 5 * 2)  # ×3 nearest neighbour


def test_false_positive_threshold_calls_the_chosen_share_of_negatives_positive():
    scores = np.linspace(0.0, 1.0, 2001)
    negative = scores < 0.8  # 1,600 negatives spread over [0, 0.8)
    threshold = af.false_positive_threshold(scores, ~negative, rate=0.05)
    assert (scores[negative] > threshold).mean() == pytest.approx(0.05, abs=0.001)
    assert np.isnan(af.false_positive_threshold(scores, np.ones_like(scores, bool)))


def test_faces_judged_at_thresholds_report_both_and_the_judge_on_real_faces(tmp_path, tiny_conv_config):
    import keras

    keras.utils.set_random_seed(0)
    config = Config(tiny_conv_config, TrainConfig(dataset="celeba"))
    directory = save_bundle(build(IWAE(config.model)), config, tmp_path / "faces")
    vector = np.random.default_rng(1).standard_normal(8).astype(np.float32)
    save_attributes(directory, {"Smiling": AttributeVector("Smiling", vector, "mean_difference", 10, 10)})
    images = colour_blobs(24)
    labels = np.where(stub_face_classifier(images) > 0.5, 1, -1).astype(np.int8)
    test = Dataset(images, labels, ("Male", "Smiling", "Young"))
    thresholds = np.array([0.5, 0.0, 0.5])  # every face is called smiling: the hit rate is 1 at every scale
    tables = tmp_path / "tables"  # not there yet, and no strip is drawn into it
    report, rows = af.run(
        load_bundle(directory),
        test,
        stub_face_classifier,
        ["Smiling"],
        [0.0, 1.0],
        n=5,
        out=tables,
        pictured=[],
        thresholds=thresholds,
    )
    assert (tables / "faces.md").read_text() == report and not list(tables.glob("*.png"))
    lines = report.splitlines()
    assert "P above the attribute's threshold in the first table" in report
    assert any(line.startswith("| Smiling | 1.000 |") and "| 0.000 | 100% | 100% | 100% |" in line for line in lines)
    row = next(line for line in lines if line.startswith("| Smiling | mean_difference |"))
    assert row.split(" | ")[3:5] == ["1.00", "1.00"]
    assert any(line.startswith("(judged at P > 0.5 for every attribute instead: ") for line in lines)

    af.save_judged(load_bundle(directory), rows, [0.0, 1.0], classes=False)
    judged = load_bundle(directory).attributes["Smiling"].judged  # the manifest was rewritten with it
    assert judged.scale == 1.0 and judged.turned == 1.0 and judged.n == 5
    assert judged.drift_measure == "mean |ΔP| of the other attributes" and judged.outcome == "meets_goal"


def test_unrelated_attributes_and_the_drift_over_them():
    rng = np.random.default_rng(0)
    target = rng.random(2000) < 0.5
    labels = np.stack([target, target ^ (rng.random(2000) < 0.1), rng.random(2000) < 0.3], axis=1)
    labels = np.where(labels, 1, -1)
    np.testing.assert_array_equal(
        af.unrelated_attributes(af.label_correlation(labels), 0), [False, False, True]
    )  # r ≈ 0.8, ≈ 0
    probs = np.zeros((2, 1, 3))
    probs[1, 0] = [0.9, 0.5, 0.1]  # scale 1 moves the related attribute by 0.5, the unrelated by 0.1
    np.testing.assert_allclose(af.drift_over(probs, np.array([False, False, True])), [0.0, 0.1])
