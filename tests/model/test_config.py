"""Config files: the shipped ones load, and a typo fails loudly."""

import dataclasses
from pathlib import Path

import pytest

from model.config import TrainConfig, config_from_dict, load_config

ROOT = Path(__file__).parents[2] / "configs"
CONFIGS = sorted(ROOT.rglob("*.toml"))  # the shipped ones and configs/experiments/


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(ROOT).with_suffix("")))
def test_configs_load(path):
    config = load_config(path)
    assert config.train.total_epochs >= 1


@pytest.mark.parametrize(
    "shipped_name, restart_name, objective, gradient",
    [
        ("digits.toml", "digits-dreg-restart.toml", "iwae", "dreg"),
        ("digits-vae.toml", "digits-vae-restart.toml", "vae", "standard"),
        ("experiments/digits-dreg-restart.toml", "digits-dreg-restart2.toml", "iwae", "dreg"),
        ("experiments/digits-vae-restart.toml", "digits-vae-restart2.toml", "vae", "standard"),
    ],
)
def test_the_restarts_continue_the_shipped_schedules(shipped_name, restart_name, objective, gradient):
    shipped, restart = load_config(ROOT / shipped_name), load_config(ROOT / "experiments" / restart_name)
    assert restart.model == shipped.model
    assert (restart.train.objective, restart.train.k, restart.train.gradient) == (objective, shipped.train.k, gradient)
    assert restart.train.stage_epochs()[: len(shipped.train.stage_epochs())] == shipped.train.stage_epochs()
    assert restart.train.stage_learning_rates()[: len(shipped.train.stage_learning_rates())] == (
        shipped.train.stage_learning_rates()
    )
    for suffix in ("", "2"):  # each VAE restart keeps step with its IWAE restart
        assert load_config(ROOT / "experiments" / f"digits-vae-restart{suffix}.toml").train.total_epochs == (
            load_config(ROOT / "experiments" / f"digits-dreg-restart{suffix}.toml").train.total_epochs
        )


def test_unknown_keys_fail():
    with pytest.raises(ValueError, match="unknown ModelConfig keys: latent_size"):
        config_from_dict({"model": {"latent_size": 3}})
    with pytest.raises(ValueError, match="unknown config sections: trian"):
        config_from_dict({"trian": {}})
    with pytest.raises(ValueError, match="objective"):
        config_from_dict({"train": {"objective": "elbo"}})


def test_paper_schedule():
    paper = TrainConfig()
    assert paper.stage_epochs() == [1, 3, 9, 27, 81, 243, 729, 2187]
    assert paper.total_epochs == 3280
    assert paper.learning_rate_at(0) == pytest.approx(1e-3)
    assert paper.learning_rate_at(3279) == pytest.approx(1e-4)
    assert paper.learning_rate_at(1) == pytest.approx(1e-3 * 10 ** (-1 / 7))


def test_extra_stages_follow_the_ladder_as_a_warm_restart():
    schedule = TrainConfig(stages=2, stage_growth=1.0, epoch_scale=3, extra_stages=((4, 5e-4), (2, 1e-5)))
    assert schedule.stage_epochs() == [3, 3, 4, 2]
    assert schedule.total_epochs == 12
    rates = [schedule.learning_rate_at(e) for e in range(13)]
    assert rates[:3] == [pytest.approx(1e-3)] * 3
    assert rates[3:6] == [pytest.approx(1e-3 * 10 ** (-1 / 7))] * 3
    assert rates[6:10] == [5e-4] * 4  # the restart climbs back up
    assert rates[10:] == [1e-5] * 3  # and the last rate holds after the end


def test_extra_stages_read_from_toml_and_are_checked():
    config = config_from_dict({"train": {"extra_stages": [[80, 1e-4], [5, 7.2e-5]]}})
    assert config.train.extra_stages == ((80, 1e-4), (5, 7.2e-5))
    with pytest.raises(ValueError, match="extra_stages"):
        config_from_dict({"train": {"extra_stages": [[0, 1e-4]]}})
    with pytest.raises(ValueError, match="extra_stages"):
        config_from_dict({"train": {"extra_stages": [[5]]}})


def test_a_config_with_a_base_is_that_base_with_its_own_keys_on_top(tmp_path):
    (tmp_path / "parent.toml").write_text(
        "[model]\nlatent_sizes = [4]\nhidden_sizes = [[8]]\n[train]\nk = 5\nseed = 3\n"
    )
    (tmp_path / "variants").mkdir()
    (tmp_path / "variants" / "child.toml").write_text('base = "../parent.toml"\n[train]\nk = 7\n')
    (tmp_path / "grandchild.toml").write_text('base = "variants/child.toml"\n[model]\nlatent_sizes = [6]\n')
    child = load_config(tmp_path / "variants" / "child.toml")
    assert (child.model.latent_sizes, child.train.k, child.train.seed) == ((4,), 7, 3)
    grandchild = load_config(tmp_path / "grandchild.toml")
    assert (grandchild.model.latent_sizes, grandchild.model.hidden_sizes, grandchild.train.k) == ((6,), ((8,),), 7)


def test_a_base_that_leads_back_or_a_stray_value_fails(tmp_path):
    (tmp_path / "a.toml").write_text('base = "b.toml"\n')
    (tmp_path / "b.toml").write_text('base = "a.toml"\n')
    with pytest.raises(ValueError, match="leads back"):
        load_config(tmp_path / "a.toml")
    (tmp_path / "c.toml").write_text("k = 5\n")
    (tmp_path / "d.toml").write_text('base = "c.toml"\nk = 7\n')
    with pytest.raises(ValueError, match="must be a table"):
        load_config(tmp_path / "d.toml")


def test_the_vae_baseline_differs_from_the_digits_model_only_in_its_objective():
    iwae, vae = load_config(ROOT / "digits.toml"), load_config(ROOT / "digits-vae.toml")
    assert vae.model == iwae.model
    assert dataclasses.replace(vae.train, objective="iwae", k=iwae.train.k) == iwae.train
