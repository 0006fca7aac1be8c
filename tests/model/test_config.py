"""Config files: the shipped ones load, and a typo fails loudly."""

from pathlib import Path

import pytest

from model.config import TrainConfig, config_from_dict, load_config

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.toml"))


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_shipped_configs_load(path):
    config = load_config(path)
    assert config.train.total_epochs >= 1


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
