"""The assignment configuration: the packaged rubric, and clear errors for a broken one."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.config import ConfigError, load_config


def test_packaged_configuration() -> None:
    config = load_config()
    explicit, sequence = config.parts["explicit"], config.parts["sequence"]
    assert (explicit.metric, explicit.target, explicit.lower_is_better) == ("rmse", 0.93, True)
    assert (sequence.metric, sequence.target, sequence.lower_is_better) == ("mrr", 0.072, False)
    for rubric in (explicit, sequence):
        points = rubric.points
        assert points["ran"] + points["valid"] < rubric.max_score / 2, "validity points must be a minority"
        assert points["ran"] + points["valid"] + points["beats_baseline"] < rubric.max_score / 2


def test_relative_target_needs_a_reference(tmp_path: Path) -> None:
    config_file = tmp_path / "a.toml"
    config_file.write_text(
        "[partition]\nseed = 1\n"
        "[explicit]\nmetric='rmse'\nbaseline='global_mean'\ntarget_relative_to_reference=1.05\npoints={ran=1,valid=1,beats_baseline=1,target=7}\n"
        "[sequence]\nmetric='mrr'\nbaseline='popularity'\ntarget=0.05\npoints={ran=1,valid=1,beats_baseline=1,target=7}\n"
    )
    rubric = load_config(config_file).parts["explicit"]
    assert rubric.resolve_target(0.9) == pytest.approx(0.945)
    with pytest.raises(ConfigError, match="calibrate"):
        rubric.resolve_target(None)


@pytest.mark.parametrize(
    "text, words",
    [
        ("not = [toml", "not valid TOML"),
        ("[partition]\n", "integer \\[partition\\] seed"),
        ("[partition]\nseed = 1\n[explicit]\nmetric='mae'\n", "lacks"),
        ("[partition]\nseed = 1\n[explicit]\nmetric='mae'\nbaseline='x'\npoints={ran=1,valid=1,beats_baseline=1,target=1}\ntarget=1\n", "metric must be one of"),
        ("[partition]\nseed = 1\n[explicit]\nmetric='rmse'\nbaseline='global_mean'\npoints={ran=1,valid=1,beats_baseline=1,target=1}\n", "exactly one of"),
    ],
)
def test_broken_configuration_names_the_file_and_problem(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=words) as raised:
        load_config(path)
    assert str(path) in str(raised.value)


def test_missing_configuration_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read"):
        load_config(tmp_path / "none.toml")


def test_a_short_secret_seed_is_called_out_and_new_seeds_are_long() -> None:
    from grader.config import SECRET_SEED_MIN, new_split_seed, weak_secret_seed

    assert weak_secret_seed(load_config().seed) is None  # the public seed is public anyway
    assert "grader new-seed" in weak_secret_seed(918273)
    seed = new_split_seed()
    assert seed >= SECRET_SEED_MIN and weak_secret_seed(seed) is None and seed != new_split_seed()


def test_strict_grading_refuses_a_short_secret_seed() -> None:
    from grader.grading import GradingOptions, GradingSession

    with pytest.raises(ConfigError, match="strict refuses this seed"):
        GradingSession(GradingOptions(dataset="synthetic", split_seed=918273, sandbox="strict"), sandbox_level="full")


@pytest.mark.parametrize(
    "old, new, words",
    [
        ('strong_baseline = "user_item_biases"', 'strong_baselin = "user_item_biases"', "[explicit] has an unknown key `strong_baselin`: did you mean `strong_baseline`?"),
        ("flag_sigmas = 3", "flag_sigma = 3", "unknown key `flag_sigma`: did you mean `flag_sigmas`?"),
        ("beats_baseline = 2", "beat_baseline = 2", "[explicit] points has an unknown key `beat_baseline`: did you mean `beats_baseline`?"),
        ("seed = 20261", "seed = 20261\nsede = 1", "[partition] has an unknown key `sede`: did you mean `seed`?"),
        ("literal_chars = 10000", "literal_char = 10000", "[embedded_data] has an unknown key `literal_char`: did you mean `literal_chars`?"),
        ("[sequence]", "[sequense]", "has an unknown key `sequense`: did you mean `sequence`?"),
        ("margin = 0.01", "margin = 0.01\nzzz = 1", "unknown key `zzz`: known keys: metric, baseline"),
    ],
)
def test_a_misspelt_key_anywhere_is_refused_with_the_nearest_known_one(tmp_path: Path, old: str, new: str, words: str) -> None:
    """A key the grader does not know would fall back to a default silently and change grades."""
    text = (Path(__file__).resolve().parents[2] / "grader" / "assignment.toml").read_text()
    assert old in text
    config = tmp_path / "assignment.toml"
    config.write_text(text.replace(old, new, 1))
    with pytest.raises(ConfigError) as raised:
        load_config(config)
    assert words in str(raised.value) and str(config) in str(raised.value)
