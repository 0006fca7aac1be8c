"""Config files: the shipped ones load, and a typo fails loudly."""

from pathlib import Path

import pytest

from model.config import TrainConfig, config_from_dict, load_config

ROOT = Path(__file__).parents[2] / "configs"
CONFIGS = sorted(ROOT.rglob("*.toml"))  # the shipped ones and configs/experiments/


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(ROOT).with_suffix("")))
def test_configs_load(path):
    config = load_config(path)
    assert config.train.total_epochs >= 1


def test_the_dreg_restart_continues_the_shipped_digits_schedule():
    shipped, restart = load_config(ROOT / "digits.toml"), load_config(ROOT / "experiments" / "digits-dreg-restart.toml")
    assert restart.model == shipped.model and restart.train.gradient == "dreg"
    assert restart.train.stage_epochs()[: len(shipped.train.stage_epochs())] == shipped.train.stage_epochs()
    assert restart.train.stage_learning_rates()[: len(shipped.train.stage_learning_rates())] == (
        shipped.train.stage_learning_rates()
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
