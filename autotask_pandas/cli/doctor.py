"""``autotask threshold`` and ``autotask doctor``: the hour's request budget, and a pre-flight check.

``doctor`` reports, one line each: where the credentials come from (the profile's name and file
when one is used, from ``--profile`` or ``$AUTOTASK_PROFILE``; never the secret itself), the zone
the API user lives in, whether the credentials are accepted (one authenticated request:
the threshold reading), the hour's budget, and the versions of Python, pandas, pyarrow and
autotask-pandas. A check that fails says what to do; the exit code is 1 when any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from collections.abc import Callable
from contextlib import ExitStack
from importlib import metadata
from typing import Any, TextIO

from autotask_pandas.auth import ENV_INTEGRATION_CODE, ENV_SECRET, ENV_USERNAME
from autotask_pandas.cli.output import print_rows
from autotask_pandas.cli.profiles import ENV_PROFILE, Profile
from autotask_pandas.cli.session import open_client
from autotask_pandas.exceptions import AutotaskAuthenticationError, AutotaskException

__all__ = ["cmd_doctor", "cmd_threshold"]


def cmd_threshold(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    """Print the rolling hour's budget: a sentence (``table``), else ``used``, ``limit``,
    ``timeframeMinutes`` and ``percentUsed`` as one JSON object (json, jsonl) or a CSV row."""
    info = client.get_threshold_info()
    row = {
        "used": info.current_timeframe_request_count,
        "limit": info.external_request_threshold,
        "timeframeMinutes": info.request_threshold_timeframe,
        "percentUsed": round(100 * info.usage, 1),
    }
    if args.output == "table":
        print(
            f"{row['used']:,} of {row['limit']:,} requests used in the last "
            f"{row['timeframeMinutes']} minutes ({row['percentUsed']}%)",
            file=out,
        )
    elif args.output == "csv":
        print_rows([row], "csv", out)
    else:
        print(json.dumps(row), file=out)
    return 0


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _credentials_line(args: argparse.Namespace) -> tuple[bool, str]:
    refused = getattr(args, "profile_error", None)
    if refused is not None:  # its message names the file and the fix, never a secret
        return False, str(refused)
    profile: Profile | None = getattr(args, "chosen_profile", None)
    if profile is not None:
        origin = "--profile" if getattr(args, "profile", None) else f"${ENV_PROFILE}"
        return True, (
            f"profile {profile.name!r} ({origin}) from {profile.path}: user {profile.username}, "
            "integration code set, secret set"
        )
    if getattr(args, "sandbox", False):
        return True, "the built-in sandbox (--sandbox)"
    names = (ENV_USERNAME, ENV_INTEGRATION_CODE, ENV_SECRET)
    present = [n for n in names if os.environ.get(n)]
    if not present:
        return True, "none in the environment: the built-in sandbox with demo data"
    missing = [n for n in names if n not in present]
    if missing:
        return False, f"incomplete: set {', '.join(missing)} (or unset all three for the sandbox)"
    return True, (
        f"from the environment: user {os.environ[ENV_USERNAME]}, integration code set, secret set"
    )


def cmd_doctor(args: argparse.Namespace, client: Any, out: TextIO, err: TextIO) -> int:
    """Run every check; print ``ok``/``FAIL`` lines on ``out`` (JSON with ``--output json``).

    Opens its own client (``client`` is None): credentials that cannot make one are a failed
    check, reported with the others, not an error that stops the checks."""
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, detail: str) -> None:
        checks.append({"check": name, "ok": ok, "detail": args.redact(detail)})

    ok, detail = _credentials_line(args)
    check("credentials", ok, detail)
    with ExitStack() as stack:
        if ok:
            try:
                client = stack.enter_context(open_client(args, args.redact, err))
            except AutotaskException as exc:
                check("client", False, " ".join(str(exc).split()))
        if client is not None:
            _check_api(client, check)
    check(
        "versions",
        True,
        f"autotask-pandas {_version('autotask-pandas')}, Python {platform.python_version()}, "
        f"pandas {_version('pandas')}, pyarrow {_version('pyarrow')}",
    )
    if args.output == "json":
        print(json.dumps(checks, indent=2), file=out)
    elif args.output in ("jsonl", "csv"):  # one check a line / a row
        print_rows(checks, args.output, out)
    else:
        for c in checks:
            print(f"{'ok  ' if c['ok'] else 'FAIL'}  {c['check']:<15} {c['detail']}", file=out)
    failed = [c["check"] for c in checks if not c["ok"]]
    if failed:
        print(f"error: {', '.join(failed)} failed", file=err)
        return 1
    return 0


def _check_api(client: Any, check: Callable[[str, bool, str], None]) -> None:
    zone_ok = False
    try:
        zone = client.get_zone_info()
        zone_ok = True
        check("zone", True, f"{zone.zone_name or 'zone'}: {zone.url}")
    except AutotaskException as exc:
        check("zone", False, f"{' '.join(str(exc).split())} (check the user name and "
              "AUTOTASK_API_URL)")  # fmt: skip
    if zone_ok:
        try:
            info = client.get_threshold_info()
            check("authentication", True, "the credentials are accepted")
            check(
                "threshold",
                info.usage < 0.9,
                f"{info.current_timeframe_request_count:,} of {info.external_request_threshold:,} "
                f"requests used this hour ({100 * info.usage:.1f}%)"
                + ("; wait before large pulls" if info.usage >= 0.9 else ""),
            )
        except AutotaskAuthenticationError as exc:
            check("authentication", False, f"{' '.join(str(exc).split())} (check "
                  f"{ENV_USERNAME}, {ENV_INTEGRATION_CODE} and {ENV_SECRET}; the API user "
                  "needs the API-only security level)")  # fmt: skip
        except AutotaskException as exc:
            check("authentication", False, " ".join(str(exc).split()))
