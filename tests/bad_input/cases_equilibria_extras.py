"""Bad input to `regretlab lcp` and `regretlab qre --efg` (agent QRE), issue 18."""

from __future__ import annotations

CASES = [
    dict(id="lcp-three-players", argv=["lcp", "kuhn", "--players", "3"], expect="needs a 2-player game",
         note="the sequence-form LCP is for two players"),
    dict(id="qre-efg-lambda-zero", argv=["qre", "kuhn", "--efg", "--lambda-max", "0"],
         expect="--lambda-max must be > 0"),
]
