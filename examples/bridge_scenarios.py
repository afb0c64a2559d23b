# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What do the new bridges do for 用工余缺调剂?
#
# An analyst's walk through zzj_match: start from CSV files (here the synthetic default
# market, written out and read back as if it came from a bureau's system), solve the
# surplus/shortage matching on today's road network, then on two counterfactual networks —
# without the 黄茅海跨海通道, and as the network stood on 2024-06-01, before both the
# 深中通道 and the 黄茅海跨海通道 — and compare.
#
# The market is **synthetic** (calibrated to public figures, see `docs/default_market.md`);
# the numbers illustrate the method, not the real labour market.

# %%
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import zzj_match as zm
from zzj_match.report import compare_plans, plan_summary
from zzj_match.report.plot import (
    plot_bridge_comparison,
    plot_city_flows,
    plot_commute_distribution,
    plot_shortage_by_zone,
)

# a smaller market keeps CI fast; set ZZJ_EXAMPLE_SCALE=1 for the full market (scale 1)
SCALE = float(os.environ.get("ZZJ_EXAMPLE_SCALE", "0.2"))
OUT = Path(os.environ.get("ZZJ_EXAMPLE_OUT", tempfile.mkdtemp(prefix="zzj_example_")))

# %% [markdown]
# ## 1. From CSV files to a validated market
#
# `LabourMarket.from_csv_dir` reads `enterprises.csv`, `vacancies.csv` and `pools.csv`
# (columns in `docs/architecture.md`) and checks every row; a bad file raises one
# `InputError` whose `.problems` table names every bad row.

# %%
data_dir = OUT / "market"
zm.datasets.zzj_market(scale=SCALE, seed=0).to_csv_dir(data_dir)
sorted(p.name for p in data_dir.iterdir())

# %%
market = zm.LabourMarket.from_csv_dir(data_dir)
market.summary()

# %%
market.pools.groupby(["kind", "priority_group"])["headcount"].sum().unstack(fill_value=0)

# %% [markdown]
# ## 2. Three road networks

# %%
region = zm.datasets.zzj_region()
networks = {
    "open network": region,
    "without huangmaohai": region.without("huangmaohai"),
    "as of 2024-06-01": region.as_of("2024-06-01"),
}
commute = {name: zm.CommuteModel(r).matrix("minutes") for name, r in networks.items()}
pd.DataFrame(
    {
        name: [
            m.loc["jm_doushan", "zh_pingsha"],
            m.loc["jm_taishan", "zh_jinwan"],
            m.loc["zs_nanlang", "ext_sz_baoan"],
        ]
        for name, m in commute.items()
    },
    index=["斗山 → 平沙", "台山 → 金湾", "南朗 → 宝安"],
).round(1)

# %% [markdown]
# ## 3. Solve on each network

# %%
plans = {name: zm.match(market, region=r) for name, r in networks.items()}
compare_plans(plans)

# %% [markdown]
# Bridges: `uses_bridge` marks a placement whose commute goes over a bridge; `bridge_dependent`
# marks those that would be lost without it (unreachable, or beyond the commute limit). Both
# are columns the engine sets (one definition, docs/engine.md "KPIs"); this notebook only
# counts them.

# %%
open_plan = plans["open network"]
summary = plan_summary(open_plan)
summary["bridges"]

# %%
summary["unmet_reasons"].head()

# %%
open_plan.transfers.query("bridge_dependent").groupby(["home_zone", "work_zone"])[
    "headcount"
].sum().sort_values(ascending=False).head(10)

# %% [markdown]
# ## 4. Pictures

# %%
fig, axes = plt.subplots(2, 2, figsize=(13, 9), layout="constrained")
plot_city_flows(open_plan, ax=axes[0, 0])
plot_shortage_by_zone(open_plan, ax=axes[0, 1], top=15)
plot_commute_distribution(open_plan, ax=axes[1, 0])
plot_bridge_comparison(
    open_plan,
    plans["without huangmaohai"],
    ax=axes[1, 1],
    labels=("open network", "without huangmaohai"),
)
fig.savefig(OUT / "bridge_scenarios.png", dpi=80)

# %%
fig2, ax2 = plt.subplots(figsize=(8, 4), layout="constrained")
plot_bridge_comparison(
    plans["as of 2024-06-01"], open_plan, ax=ax2, labels=("as of 2024-06-01", "open network")
)
fig2.savefig(OUT / "before_after_bridges.png", dpi=80)

# %% [markdown]
# ## 5. A map (needs the `map` extra; `tiles=None` works offline)

# %%
try:
    from zzj_match.report.maps import explore
except ImportError:  # pragma: no cover - folium missing
    explore = None
if explore is not None:
    m = explore(open_plan, region=region, tiles=None)
    m.save(OUT / "plan_map.html")

# %% [markdown]
# ## 6. Will they come?
#
# The optimum is a proposal. `zm.stable_match` is what people and employers would choose on
# their own (deferred acceptance on their preferences, `zm.preferences`); `blocking_pairs()`
# lists who would leave the optimum, and for which job; `zm.forecast` spreads the people over
# the jobs by commute time alone (a gravity model). See docs/stability.md.

# %%
stable = zm.stable_match(market, region=region)
open_plan.blocking_pairs().sort_values("headcount", ascending=False).head()

# %%
try:
    forecast = zm.forecast(market, region=region)  # beta set by the published 45-minute share
except zm.InputError:  # a small market may not reach that share: take a decay of one's own
    forecast = zm.forecast(market, region=region, beta=0.15)
compare_plans({"optimum": open_plan, "stable": stable, "forecast": forecast},
              measures="stability")

# %% [markdown]
# ## 7. Write the results
#
# Every plan table is a tidy DataFrame; write them wherever the bureau needs them.

# %%
open_plan.transfers.to_csv(OUT / "transfers.csv", index=False)
compare_plans(plans).to_csv(OUT / "comparison.csv")
sorted(p.name for p in OUT.iterdir())
