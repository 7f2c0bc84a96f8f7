"""A small HTTP load generator: exactly N requests at concurrency C.

Each request is a different 8x8 Voice Call Action event (its own eventId,
calls of about five events each) from a realistic mix: calls coming in,
valid choices, invalid keys, silence, transfers. wrk and hey can't do both
"a fixed number of requests" and "a different body each time", so this does,
with asyncio over plain sockets, split over a few processes so that the
generator is not the bottleneck. Latency is measured per request from
connect to the end of the response.
"""

import asyncio
import json
import multiprocessing
import time
from dataclasses import dataclass

# (weight, callStatus, clientActionId, dtmf (None: no input))
MIX = [
    (20, "CALL_RECEIVED", None, None),
    (15, "ACTION_COMPLETED", "main", "1"),
    (10, "ACTION_COMPLETED", "billing__bmain", "1"),
    (10, "ACTION_COMPLETED", "faults__bmain", "1"),
    (5, "ACTION_COMPLETED", "main", "4"),
    (15, "ACTION_COMPLETED", "main", "7"),
    (15, "ACTION_COMPLETED", "main__r1__f1", None),
    (10, "ACTION_COMPLETED", "main", "0"),
]
_SLOTS = [entry for entry in MIX for _ in range(entry[0])]


def event_body(run: str, number: int) -> bytes:
    status, client_action_id, dtmf = _SLOTS[(number * 7) % len(_SLOTS)][1:]
    session = f"{run}-call-{number // 5}"
    payload = {
        "eventId": f"{run}-{number}",
        "callId": f"{session}-a",
        "sessionId": session,
        "subAccountId": "account_x",
        "callStatus": status,
        "callDirection": "INBOUND",
        "callType": "PSTN",
        "source": "+6591234567",
        "destination": "+6531581234",
        "sourceFormat": "MSISDN",
        "destinationFormat": "MSISDN",
        "sourceCountryCode": "SG",
        "destinationCountryCode": "SG",
        "sourceRefId": None,
        "destinationRefId": "VN-REF-SG-001",
        "callDuration": 0,
        "sipCode": 200,
        "timestamp": "2026-11-25T09:30:00Z",
    }
    if status == "ACTION_COMPLETED":
        payload["eventData"] = {"dtmf": dtmf}
        payload["clientActionId"] = client_action_id
    body = {
        "namespace": "VOICE",
        "eventType": "CALL_ACTION",
        "description": "Action request of a call",
        "payload": payload,
    }
    return json.dumps(body).encode()


@dataclass
class Result:
    latencies: list[float]
    errors: int
    seconds: float


async def _one(host: str, port: int, request: bytes) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(request)
        await writer.drain()
        response = await reader.read()  # gunicorn closes after each response
        writer.close()
    except OSError:
        return time.perf_counter() - started, False
    ok = response.startswith(b"HTTP/1.1 200") or response.startswith(b"HTTP/1.0 200")
    return time.perf_counter() - started, ok


def _request(host: str, port: int, path: str, auth: str, body: bytes) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nAuthorization: {auth}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _worker_loop(args, numbers: list[int]):
    host, port, path, auth, run, concurrency = args
    queue = list(reversed(numbers))
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()

    async def user():
        nonlocal errors
        while queue:
            number = queue.pop()
            request = _request(host, port, path, auth, event_body(run, number))
            seconds, ok = await _one(host, port, request)
            latencies.append(seconds)
            errors += not ok

    await asyncio.gather(*(user() for _ in range(concurrency)))
    # perf_counter is CLOCK_MONOTONIC on Linux: comparable across processes.
    return latencies, errors, started, time.perf_counter()


def _process(args_and_numbers):
    args, numbers = args_and_numbers
    return asyncio.run(_worker_loop(args, numbers))


def run_load(
    *,
    host: str,
    port: int,
    path: str,
    auth: str,
    run: str,
    requests: int,
    concurrency: int,
    processes: int = 2,
) -> Result:
    """Send `requests` requests, `concurrency` at a time; events numbered
    0..requests-1 with ids "<run>-<n>"."""
    processes = max(1, min(processes, concurrency))
    shares = [list(range(i, requests, processes)) for i in range(processes)]
    per_process = [
        concurrency // processes + (i < concurrency % processes)
        for i in range(processes)
    ]
    jobs = [
        ((host, port, path, auth, run, per_process[i]), shares[i])
        for i in range(processes)
    ]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_process, jobs)
    seconds = max(part[3] for part in parts) - min(part[2] for part in parts)
    latencies = [value for part in parts for value in part[0]]
    return Result(latencies, sum(part[1] for part in parts), seconds)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]
