"""The benchmark's pandas peer computes the same silver + gold as the Spark pipeline."""

import pandas as pd

from bench import pandas_peer
from tasks.demand_forecast import features, refine
from tasks.demand_forecast.sources import default_population, generate_daily_sales


def test_pandas_peer_matches_spark(spark):
    pop = default_population().astype(str)
    sales = generate_daily_sales(
        default_population(), start="2021-12-20", end="2022-01-10", states=["Ohio", "Utah"], seed=5
    ).astype(str)
    for df in (pop, sales):
        df["_source_row"] = range(2, len(df) + 2)
    spark_gold = features.build_gold(
        refine.refine_sales(spark.createDataFrame(sales)),
        refine.unpivot_population(spark.createDataFrame(pop)),
        "2022-01-01",
    ).toPandas()
    pandas_gold = pandas_peer.build_gold(
        pandas_peer.refine_sales(sales), pandas_peer.unpivot_population(pop), "2022-01-01"
    )
    pd.testing.assert_frame_equal(spark_gold.astype(str), pandas_gold.astype(str))
