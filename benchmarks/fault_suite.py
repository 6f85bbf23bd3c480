"""The fault suite of issue 11 at any size: a pull and a push under the sandbox's seeded faults.

    python benchmarks/fault_suite.py            # the CI size (what tests/reliability runs)
    python benchmarks/fault_suite.py --full     # the issue's size: a 20,000-row pull;
                                                # 2,000 edits + 200 creates + 50 deletes
    python benchmarks/fault_suite.py --full --seeds 0,1,2

The checks are those of ``tests/reliability/fault_checks.py`` (every ok row on the server as
intended, every failed row unchanged once the writes given up on have landed, no duplicated
create, uncertain rows either way, the frame unchanged, a clean re-push all ok); the faults include
answers slower than the client's timeout on every method. An AssertionError ends the run. Prints the statuses counted and
the faults injected; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from fault_checks import CI, FULL, check_pull, check_push, faulty_sandbox  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's full sizes")
    parser.add_argument("--seeds", default="0", help="fault seeds, comma-separated (default 0)")
    args = parser.parse_args(argv)
    size = FULL if args.full else CI
    for seed in [int(s) for s in args.seeds.split(",")]:
        with faulty_sandbox(size, seed) as sb:
            rows, completed = check_pull(sb)
            pulled = Counter(r.fault for r in sb.requests if r.fault)
            mark = len(sb.requests)
            counted = check_push(sb, size, seed=seed + 2)
            pushed = Counter(r.fault for r in sb.requests[mark:] if r.fault)
        print(
            f"seed {seed}: pull of {rows:,} tickets {'complete' if completed else 'raised'} "
            f"(faults {dict(pulled)}); push of {size.edits:,} edits + {size.creates:,} creates + "
            f"{size.deletes:,} deletes: {counted} (faults {dict(pushed)}); clean re-push all ok "
            "but the uncertain creates"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
