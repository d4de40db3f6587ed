"""smelter.cli: flow signatures become shell options, and a first word picks a pipeline's stage."""

import json

import pytest

from smelter.cli import build_parser, pick_flow, run_flow_cli


def sample(
    n_cities: int = 8,
    thresholds: list[float] | None = None,
    name: str | None = None,
    jit: bool = False,
    rate: float = 0.1,
    ids: tuple[int, ...] = (1,),
    words: list[str] | None = None,
    extra: dict | None = None,
    cache: bool = True,
):
    """A sample flow signature."""


def parse(*argv: str) -> dict:
    return vars(build_parser(sample).parse_args(list(argv)))


def test_defaults_are_the_signature_defaults():
    assert parse() == {
        "n_cities": 8,
        "thresholds": None,
        "name": None,
        "jit": False,
        "rate": 0.1,
        "ids": (1,),
        "words": None,
        "extra": None,
        "cache": True,
    }


def test_scalars_are_converted_to_the_annotated_type():
    args = parse("--n-cities", "12", "--rate", "2.5e-1", "--name", "42")
    assert args["n_cities"] == 12 and type(args["n_cities"]) is int
    assert args["rate"] == 0.25 and type(args["rate"]) is float
    assert args["name"] == "42" and type(args["name"]) is str  # `str | None`: the text as given


def test_lists_are_comma_separated_items_of_the_annotated_type():
    assert parse("--thresholds", "0, 10,50.5")["thresholds"] == [0.0, 10.0, 50.5]
    assert parse("--thresholds", "1,,2,")["thresholds"] == [1.0, 2.0]  # empty items dropped
    assert parse("--ids", "3,4")["ids"] == [3, 4]  # tuple[int, ...]: ints
    assert parse("--words", "a, b")["words"] == ["a", "b"]  # list[str]: stripped strings


def test_other_annotations_are_json():
    assert parse("--extra", '{"k": [1, 2]}')["extra"] == {"k": [1, 2]}


def test_booleans_are_flag_and_no_flag_pairs():
    assert parse("--jit")["jit"] is True
    assert parse("--no-jit")["jit"] is False
    assert parse("--no-cache")["cache"] is False
    assert parse("--cache")["cache"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--bogus", "1"], "unrecognized arguments: --bogus 1"),
        (["--n-cities", "twelve"], "argument --n-cities: invalid int value: 'twelve'"),
        (["--thresholds", "1,x"], "argument --thresholds: invalid <lambda> value: '1,x'"),
        (["--jit=yes"], "argument --jit/--no-jit: ignored explicit argument 'yes'"),
        (["--n_cities", "3"], "unrecognized arguments: --n_cities 3"),  # options are kebab-case only
    ],
)
def test_bad_options_exit_with_a_usage_error_naming_them(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser(sample).parse_args(argv)
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


def test_help_shows_the_docstring_module_and_defaults():
    text = build_parser(sample).format_help()
    assert text.startswith(f"usage: {__name__}")
    assert "A sample flow signature." in text
    assert "--n-cities N_CITIES" in text and "default: 8" in text and "--jit, --no-jit" in text


def train():
    """the pipeline"""


def score():
    """the score stage"""


STAGES = {"score": score}


@pytest.mark.parametrize(
    ("argv", "flow", "options"),
    [
        (["score", "--engine", "spark"], score, ["--engine", "spark"]),  # a stage word: that flow, the word dropped
        (["score"], score, []),
        (["--engine", "spark", "score"], train, ["--engine", "spark", "score"]),  # only the first word picks
        (["scoring", "--x", "1"], train, ["scoring", "--x", "1"]),  # no such stage: the default sees it all
        ([], train, []),
    ],
)
def test_pick_flow_takes_a_known_first_word_as_the_stage(argv, flow, options):
    assert pick_flow(train, STAGES, argv) == (flow, options)


def test_pick_flow_without_stages_is_always_the_default():
    assert pick_flow(train, None, ["score", "--x"]) == (train, ["score", "--x"])
    assert pick_flow(train, {}, ["score"]) == (train, ["score"])


def test_run_flow_cli_runs_the_chosen_stage_with_parsed_options_and_prints_json(capsys):
    calls = []

    def whole(n: int = 1) -> dict:
        calls.append(("whole", n))
        return {"flow": "whole", "n": n}

    def stage(thresholds: list[float] | None = None, dry: bool = False) -> dict:
        calls.append(("stage", thresholds, dry))
        return {"flow": "stage", "thresholds": thresholds, "dry": dry}

    result = run_flow_cli(whole, {"stage": stage}, ["stage", "--thresholds", "1,2", "--dry"])
    assert calls == [("stage", [1.0, 2.0], True)]
    assert result == {"flow": "stage", "thresholds": [1.0, 2.0], "dry": True}
    assert json.loads(capsys.readouterr().out) == result
    assert run_flow_cli(whole, {"stage": stage}, ["--n", "3"]) == {"flow": "whole", "n": 3}
    assert calls[-1] == ("whole", 3)


def test_run_flow_cli_help_lists_the_stages(capsys):
    def whole(n: int = 1):
        """The whole pipeline."""

    with pytest.raises(SystemExit) as exit_:
        run_flow_cli(whole, {"train": whole, "score": whole}, ["--help"])
    assert exit_.value.code == 0
    assert "stages: train, score (first word) run one stage" in capsys.readouterr().out
