from smelter.cli import build_parser


def sample(n_cities: int = 8, thresholds: list[float] | None = None, name: str | None = None,
           jit: bool = False, rate: float = 0.1):
    """A sample flow signature."""


def test_parser_converts_types_lists_and_flags():
    args = vars(build_parser(sample).parse_args(["--n-cities", "12", "--thresholds", "0, 10,50.5", "--jit"]))
    assert args == {"n_cities": 12, "thresholds": [0.0, 10.0, 50.5], "name": None, "jit": True, "rate": 0.1}


def test_parser_defaults_when_no_options():
    assert vars(build_parser(sample).parse_args([]))["thresholds"] is None
