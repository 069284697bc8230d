"""How a load run is judged, apart from Locust: plain stats in, a verdict and its reports out.

- `stats`: `RunStats` and `RowStats`, the snapshot the Locust layer fills
  (`loadspec.locust.split_stats.run_stats`); `percentile`, Locust's own reckoning.
- `thresholds`: `--threshold` parsed (`Threshold`) and checked (`ThresholdResult`).
- `baseline`: a run compared with a previous one's --json-file output (`Comparison`).
- `verdict`: `judge(Criteria, RunStats) -> RunVerdict`: the console summary, the JSON
  entry, the HTML section and the web UI's Thresholds rows; waits left pending.
- `workers`: a distributed run's workers lost, joined late or come back (`Membership`),
  named with their times in every report; work no worker remained to make fails the run.
- `junit`: the verdict and the stats rows as JUnit cases (`reports.junit` writes them).

Nothing here imports locust, gevent or flask: the Locust layer feeds it stats and writes
what it returns.
"""
