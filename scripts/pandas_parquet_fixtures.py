"""Write the pandas-made Parquet catalogues of tests/data/parquet (pandas 3.1.1, pyarrow 26).

usage: python scripts/pandas_parquet_fixtures.py tests/data/parquet

The pandas_*.parquet files with three channels come from /work/scratch-polars
(scripts/pandas_fixtures.py there); this script adds full SBS96 catalogues, the first three samples of
examples/breast21_wgs_sbs96.tsv (as sbs96.tsv, for comparison), in the layouts
pandas users write: labels as a column, as a named index, as an unnamed index.
"""
import sys
import pandas as pd

out = sys.argv[1]
df = pd.read_csv("examples/breast21_wgs_sbs96.tsv", sep="\t").iloc[:, :4]
df = df.rename(columns={df.columns[0]: "MutationType"})
df.to_parquet(f"{out}/sbs96_column.parquet")
df.set_index("MutationType").to_parquet(f"{out}/sbs96_named_index.parquet")
u = df.set_index("MutationType").astype("float64")
u.index.name = None
u.to_parquet(f"{out}/sbs96_unnamed_index_float.parquet")
df.iloc[:, :4].to_csv(f"{out}/sbs96.tsv", sep="\t", index=False)
