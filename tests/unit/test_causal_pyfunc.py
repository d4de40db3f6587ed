"""The causal model's scoring as a plain object (its registry round trip: tests/model/test_causal_registry.py)."""

import numpy as np
import pandas as pd
import pytest

from tasks.causal_effects.learners import TLearner
from tasks.causal_effects.model import CausalEffectModel, InputError
from tests.unit.test_causal_learners import LINEAR, linear_data


def tiny_causal_model() -> CausalEffectModel:
    """A linear T-learner fitted on y = 1 + 2 a - b + t (1 + a): its CATE is 1 + a."""
    x, t, y, _ = linear_data()
    return CausalEffectModel(TLearner(LINEAR).fit(x, t, y), ["a", "b"], "t", "y")


def test_score_returns_the_cate_per_row_from_named_columns_in_any_order():
    model = tiny_causal_model()
    rows = pd.DataFrame({"b": [0, 5], "a": [1, -2], "store": ["x", "y"]}, index=[10, 11])  # ints, an extra column
    out = model.score(rows)
    assert list(out.columns) == ["cate"] and out.index.tolist() == [0, 1]
    np.testing.assert_allclose(out["cate"], [2.0, -1.0], atol=0.05)
    assert model.score(rows.head(0)).empty and model.learner_name == "t"


def test_rows_the_model_cannot_score_are_named():
    model = tiny_causal_model()
    with pytest.raises(InputError, match=r"lacks feature column\(s\) \['b'\]"):
        model.score(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(InputError, match="column 'a' row 8: 'high' is not a number"):
        model.score(pd.DataFrame({"a": [1, "high"], "b": [0, 0]}, index=[7, 8]))
