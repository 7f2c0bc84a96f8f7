"""`make bench`: the webhook under load, beside two references, in one run.

Serves the app as production does (gunicorn with ivrproject/gunicorn.conf.py,
PostgreSQL through DATABASE_URL) on a fresh database holding the demo menus,
and drives three endpoints with benchmarks/loadgen.py, interleaved, for a
fixed number of requests at each concurrency:

- constant: a Django view returning a fixed JSON body (the framework floor);
- minimal: one SELECT of the menu and one INSERT of the event, raw SQL;
- webhook: the real /webhooks/8x8/call-action/.

Then it checks that every webhook request was stored exactly once and that
every stored answer is a valid callflow, and prints throughput, p50/p95/p99
latency, errors and the webhook's ratios to both references.
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg

from benchmarks.loadgen import percentile, run_load

PROJECT = Path(__file__).resolve().parent.parent
SECRET = "Bearer bench-secret"
TARGETS = {
    "constant": "/webhooks/bench/constant/",
    "minimal": "/webhooks/bench/minimal/",
    "webhook": "/webhooks/8x8/call-action/",
}
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/ivr_bench"


def main() -> int:
    args = parse_args()
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE
    if not database_url.startswith("postgres"):
        sys.exit("make bench measures PostgreSQL: set DATABASE_URL=postgres://...")
    workdir = Path(tempfile.mkdtemp(prefix="ivr-bench-"))
    recreate_database(database_url)
    env = server_env(database_url, workdir, args)
    manage(env, "migrate", "--no-input")
    manage(env, "ivr_import", "examples/demo.yaml")
    server = start_gunicorn(env, args.port, workdir)
    try:
        print(describe_setup(args))
        for target in TARGETS:  # warm every worker's connection and menus
            run_target(args.port, target, f"warm-{target}", 8, 400)
        results = measure(args)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    report(results, args)
    problems = check_storage(database_url, results)
    for problem in problems:
        print("PROBLEM:", problem)
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--worker-class", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--port", type=int, default=18700)
    return parser.parse_args()


def recreate_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def server_env(database_url: str, workdir: Path, args) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex * 2,
        "DJANGO_ROOT_URLCONF": "benchmarks.urls",
        "IVR_WEBHOOK_AUTH": SECRET,
        "IVR_SPOOL_DIR": str(workdir / "spool"),
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
    }
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    if args.worker_class:
        env["GUNICORN_WORKER_CLASS"] = args.worker_class
    if args.threads:
        env["GUNICORN_THREADS"] = str(args.threads)
    return env


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**env, "DJANGO_DEBUG": "1"},
        check=True,
        capture_output=True,
    )


def start_gunicorn(env: dict, port: int, workdir: Path) -> subprocess.Popen:
    log = (workdir / "gunicorn.log").open("ab")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "ivrproject/gunicorn.conf.py",
        ],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def describe_setup(args) -> str:
    cores = os.cpu_count()
    workers = args.workers or f"{cores * 2 + 1} (2 x {cores} cores + 1)"
    return (
        f"gunicorn: {workers} workers, class {args.worker_class or 'sync'}, "
        f"threads {args.threads or 1}; {args.requests} requests per target, "
        f"concurrency {args.concurrency}, {args.rounds} rounds"
    )


def run_target(port: int, target: str, run: str, concurrency: int, requests: int):
    result = run_load(
        host="127.0.0.1",
        port=port,
        path=TARGETS[target],
        auth=SECRET,
        run=run,
        requests=requests,
        concurrency=concurrency,
    )
    return {
        "run": run,
        "requests": len(result.latencies) - result.errors,
        "errors": result.errors,
        "throughput": len(result.latencies) / result.seconds,
        "p50_ms": percentile(result.latencies, 0.50) * 1000,
        "p95_ms": percentile(result.latencies, 0.95) * 1000,
        "p99_ms": percentile(result.latencies, 0.99) * 1000,
    }


def measure(args) -> dict:
    """{(target, concurrency): best result of the rounds}, targets
    interleaved within each round so that they share the machine's noise."""
    results: dict = {}
    run_prefix = uuid.uuid4().hex[:6]
    for concurrency in [int(c) for c in args.concurrency.split(",")]:
        for round_number in range(args.rounds):
            for target in TARGETS:
                run = f"{run_prefix}-{target}-{concurrency}-{round_number}"
                result = run_target(args.port, target, run, concurrency, args.requests)
                key = (target, concurrency)
                results.setdefault(key, []).append(result)
    return results


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def summary(runs: list[dict]) -> dict:
    return {
        "throughput": median([r["throughput"] for r in runs]),
        "p50_ms": median([r["p50_ms"] for r in runs]),
        "p95_ms": median([r["p95_ms"] for r in runs]),
        "p99_ms": median([r["p99_ms"] for r in runs]),
        "errors": sum(r["errors"] for r in runs),
        "requests": sum(r["requests"] for r in runs),
    }


def report(results: dict, args) -> None:
    concurrencies = sorted({c for _, c in results})
    print(
        f"\n{'target':<10}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}{'requests':>10}"
    )
    for concurrency in concurrencies:
        for target in TARGETS:
            s = summary(results[(target, concurrency)])
            print(
                f"{target:<10}{concurrency:>5}{s['throughput']:>9.0f}"
                f"{s['p50_ms']:>9.2f}{s['p95_ms']:>9.2f}{s['p99_ms']:>9.2f}"
                f"{s['errors']:>8}{s['requests']:>10}"
            )
    print(
        f"\nwebhook vs references (median of {args.rounds} rounds; "
        "targets: throughput >= 0.90 x minimal, p99 at 32 <= 1.25 x minimal)"
    )
    for concurrency in concurrencies:
        ours = summary(results[("webhook", concurrency)])
        minimal = summary(results[("minimal", concurrency)])
        constant = summary(results[("constant", concurrency)])
        vs_minimal = ours["throughput"] / minimal["throughput"]
        print(
            f"  c={concurrency:<3} throughput: {vs_minimal:.2f}"
            f" x minimal, {ours['throughput'] / constant['throughput']:.2f} x constant;"
            f"  p99: {ours['p99_ms'] / minimal['p99_ms']:.2f} x minimal,"
            f" {ours['p99_ms'] / constant['p99_ms']:.2f} x constant"
        )


def check_storage(database_url: str, results: dict) -> list[str]:
    """Every webhook request stored exactly once, every answer valid."""
    sys.path.insert(0, str(PROJECT))
    from tests.callflow_schema import schema_violations

    problems = []
    with psycopg.connect(database_url) as connection:
        for (target, _), runs in results.items():
            if target != "webhook":
                continue
            for run in runs:
                rows = connection.execute(
                    "SELECT count(*), count(DISTINCT event_id) FROM ivr_callevent "
                    "WHERE event_id LIKE %s",
                    [run["run"] + "-%"],
                ).fetchone()
                if rows != (run["requests"], run["requests"]):
                    problems.append(
                        f"{run['run']}: {run['requests']} requests answered, "
                        f"{rows[0]} events stored ({rows[1]} distinct)"
                    )
        invalid = 0
        checked = 0
        for (response,) in connection.execute(
            "SELECT response FROM ivr_callevent WHERE event_type = 'CALL_ACTION' "
            "AND outcome <> ''"
        ):
            checked += 1
            invalid += bool(schema_violations(response))
    stored = sum(
        run["requests"]
        for (target, _), runs in results.items()
        if target == "webhook"
        for run in runs
    )
    once = "every one" if not problems else "NOT every one"
    print(
        f"\nstorage: {stored} webhook requests, {once} stored exactly once; "
        f"{checked} stored answers checked, {invalid} invalid"
    )
    if invalid:
        problems.append(f"{invalid} stored answers are not valid callflows")
    return problems


if __name__ == "__main__":
    sys.exit(main())
