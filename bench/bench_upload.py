"""Upload throughput through the real tus endpoint, and the server's memory while it streams.

A throwaway RADCHALLENGE_VAR_DIR (SQLite) is migrated and seeded (seed_demo --no-exams), then
for each run a fresh server process is started on 127.0.0.1 (gunicorn with the settings of
platform/gunicorn.conf.py but 1 worker, or `manage.py runserver --noreload`). The client logs
in as the demo uploader (Django session + CSRF header), creates a tus resource and PATCHes the
bytes in fixed chunks, as Uppy's tus plugin does (static/js/uploader.js: 5 MiB chunks).

The bytes are generated while sending (a 128-byte preamble + "DICM", then pseudo-random bytes
cut from a 4 MiB pool): the client never holds a chunk, let alone the file, in memory.
The ingest job is queued on an in-process memory broker (CELERY_BROKER_URL=memory://) and
never runs, so only the upload is timed; the quarantine file is checked for its size and
deleted after each run.

Memory: a thread samples VmRSS of the server's process tree (gunicorn master + worker) every
10 ms; the kernel's VmHWM of each process is read at the end as a cross-check. The target is a
flat peak, under 200 MB, whatever the upload size.

    .venv/bin/python bench/bench_upload.py              # 100 MiB and 1 GiB, all variants
    .venv/bin/python bench/bench_upload.py --sizes 100  # quick run
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT  # where the server's code is run from (--source: e.g. a `git archive` of HEAD)
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"  # the client talks to nothing else
MIB = 1024 * 1024
POOL = random.Random(20201204).randbytes(4 * MIB)
PIECE = MIB  # size of each socket send
SLICE_SIZE = 512 * 1024  # one 512 x 512 x 16-bit CT slice, for the one-file-per-slice runs
PASSWORD = "radchallenge-demo"  # noqa: S105 -- the public seed_demo password


@dataclass
class Run:
    server: str  # "gunicorn" or "runserver"
    size: int  # bytes in the series
    chunk: int  # bytes per PATCH
    per_slice: bool = False  # one tus file per 512 KiB slice instead of one file

    @property
    def label(self) -> str:
        layout = "1 file per 512 KiB slice" if self.per_slice else "1 file"
        chunk = "" if self.per_slice else f", {self.chunk // MIB} MiB chunks"
        return f"{self.server}, {self.size // MIB} MiB, {layout}{chunk}"


@dataclass
class Result:
    run: Run
    seconds: float
    idle_kib: int  # server tree RSS after start and one request, before login
    ready_kib: int  # after login and the tus POST, just before the first PATCH
    streaming_kib: int  # highest sampled tree RSS before the last PATCH (0: one file a slice)
    peak_kib: int  # highest sampled tree RSS during the upload
    hwm_kib: int  # largest VmHWM of any process in the tree (kernel peak, whole life)
    samples: int

    @property
    def mib_per_s(self) -> float:
        return self.run.size / MIB / self.seconds


# -- server process and its memory ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def tree_pids(root: int) -> list[int]:
    pids, i = [root], 0
    while i < len(pids):
        task_dir = Path(f"/proc/{pids[i]}/task")
        i += 1
        try:
            for task in task_dir.iterdir():
                pids += [int(p) for p in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return pids


def status_kib(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def tree_rss_kib(root: int) -> int:
    return sum(status_kib(pid, "VmRSS") for pid in tree_pids(root))


class PeakSampler(threading.Thread):
    """Samples the tree's summed VmRSS every 10 ms until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.samples = root, 0, 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.peak = max(self.peak, tree_rss_kib(self.root))
            self.samples += 1
            self.halt.wait(0.01)

    def stop(self) -> None:
        self.halt.set()
        self.join()
        self.peak = max(self.peak, tree_rss_kib(self.root))


def start_server(kind: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    if kind == "gunicorn":
        # platform/gunicorn.conf.py as deployed, with one worker bound to loopback.
        env = env | {"GUNICORN_BIND": f"{HOST}:{port}", "GUNICORN_WORKERS": "1"}
        cmd = [str(GUNICORN), "-c", "platform/gunicorn.conf.py", "config.wsgi:application"]
    else:
        cmd = [str(PYTHON), "manage.py", "runserver", f"{HOST}:{port}", "--noreload"]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, cwd=SOURCE, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{kind} did not answer on {HOST}:{port}; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# A floor for the ratios: a bare socket that reads each body in 1 MiB recv()s and writes it to
# a file (no HTTP parsing, no Django, no database), fed by the same client code.
SINK = """
import socket, sys
srv = socket.create_server(("127.0.0.1", 0)); print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
with open(sys.argv[1], "wb") as out:
    while True:
        head = b""
        while b"\\r\\n\\r\\n" not in head:
            got = conn.recv(65536)
            if not got:
                sys.exit(0)
            head += got
        head, body = head.split(b"\\r\\n\\r\\n", 1)
        length = int([h for h in head.split(b"\\r\\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
        out.write(body)
        left = length - len(body)
        while left:
            got = conn.recv(min(left, 1 << 20))
            out.write(got)
            left -= len(got)
        conn.sendall(b"HTTP/1.1 204 No Content\\r\\nUpload-Offset: 0\\r\\n\\r\\n")
"""


def measure_floor(size: int, chunk: int, var_dir: Path) -> float:
    """Seconds to push `size` bytes in `chunk` requests to the bare socket sink."""
    target = var_dir / "floor.raw"
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        client = Client(int(sink.stdout.readline()))
        began = time.perf_counter()
        for offset in range(0, size, chunk):
            client.patch("/floor", offset, min(chunk, size - offset))
        seconds = time.perf_counter() - began
    finally:
        sink.kill()
        sink.wait()
        target.unlink(missing_ok=True)
    return seconds


# -- client -------------------------------------------------------------------------------------


class Client:
    """A logged-in browser-like session over one loopback connection (reopened when closed)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=600)
        self.cookies: dict[str, str] = {}

    def _remember(self, response: http.client.HTTPResponse) -> None:
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value

    def headers(self, **extra: str) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        base = {"Cookie": cookie, "X-CSRFToken": self.cookies.get("csrftoken", "")}
        base["Tus-Resumable"] = "1.0.0"
        return base | extra

    def request(self, method: str, path: str, body=None, **headers: str):
        self.conn.request(method, path, body=body, headers=self.headers(**headers))
        response = self.conn.getresponse()
        payload = response.read()
        self._remember(response)
        return response, payload

    def login(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        form = urlencode(
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            }
        )
        response, _ = self.request(
            "POST",
            "/accounts/login/",
            body=form,
            **{"Content-Type": "application/x-www-form-urlencoded"},
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username} failed: HTTP {response.status}")

    def create(self, upload_id: str, length: int) -> str:
        response, payload = self.request(
            "POST", f"/uploads/{upload_id}/tus/", **{"Upload-Length": str(length)}
        )
        if response.status != 201:
            raise SystemExit(f"tus POST: HTTP {response.status} {payload[:200]!r}")
        return urlsplit(response.headers["Location"]).path

    def patch(self, path: str, offset: int, length: int) -> int:
        """Stream `length` generated bytes at `offset`; returns the server's new offset."""
        self.conn.putrequest("PATCH", path, skip_accept_encoding=True)
        headers = self.headers(
            **{
                "Content-Type": "application/offset+octet-stream",
                "Upload-Offset": str(offset),
                "Content-Length": str(length),
            }
        )
        for name, value in headers.items():
            self.conn.putheader(name, value)
        self.conn.endheaders()
        for piece in series_bytes(offset, length):
            self.conn.send(piece)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != 204:
            raise SystemExit(f"tus PATCH at {offset}: HTTP {response.status} {payload[:200]!r}")
        return int(response.headers["Upload-Offset"])

    def head_offset(self, path: str) -> int:
        response, _ = self.request("HEAD", path)
        return int(response.headers["Upload-Offset"])


def series_bytes(offset: int, length: int):
    """Bytes [offset, offset+length) of a DICOM-like file, in pieces of at most 1 MiB."""
    end = offset + length
    view = memoryview(POOL)
    while offset < end:
        start = offset % len(POOL)
        piece = view[start : start + min(PIECE, end - offset, len(POOL) - start)]
        if offset < 132:  # empty preamble + magic, as every DICOM Part 10 file starts
            head = (bytes(128) + b"DICM")[offset:]
            piece = memoryview(head[: len(piece)] + bytes(piece[len(head) :]))
        yield piece
        offset += len(piece)


def upload_file(client: Client, upload_id: str, size: int, chunk: int) -> str:
    path = client.create(upload_id, size)
    offset = 0
    while offset < size:
        offset = client.patch(path, offset, min(chunk, size - offset))
    return path


# -- one run ------------------------------------------------------------------------------------


def measure(run: Run, upload_id: str, env: dict[str, str], var_dir: Path) -> Result:
    proc, port = start_server(run.server, env, var_dir / f"{run.server}.log")
    try:
        time.sleep(1.0)  # let the worker settle after its first request
        idle = tree_rss_kib(proc.pid)
        client = Client(port)
        client.login("uploader")
        sizes = [SLICE_SIZE] * (run.size // SLICE_SIZE) if run.per_slice else [run.size]
        # The first tus POST happens before timing so that `ready` includes the tus code paths.
        first = client.create(upload_id, sizes[0])
        ready = tree_rss_kib(proc.pid)
        sampler = PeakSampler(proc.pid)
        sampler.start()
        began = time.perf_counter()
        paths = [first]
        offset = 0
        while offset < sizes[0]:
            if offset + run.chunk >= sizes[0]:
                # The last PATCH also queues the ingest job: split the peak there.
                streaming = sampler.peak if not run.per_slice else 0
            offset = client.patch(first, offset, min(run.chunk, sizes[0] - offset))
        for size in sizes[1:]:
            paths.append(upload_file(client, upload_id, size, run.chunk))
        seconds = time.perf_counter() - began
        sampler.stop()
        hwm = max(status_kib(pid, "VmHWM") for pid in tree_pids(proc.pid))
        check_and_erase(client, paths, sizes, var_dir)
    finally:
        stop_server(proc)
    return Result(run, seconds, idle, ready, streaming, sampler.peak, hwm, sampler.samples)


def check_and_erase(client: Client, paths: list[str], sizes: list[int], var_dir: Path) -> None:
    """Every byte arrived (HEAD and file size), the ingest did not run; then free the disk."""
    for path, size in zip(paths, sizes, strict=True):
        file_id = path.rstrip("/").rsplit("/", 1)[1].replace("-", "")
        raw = var_dir / "quarantine" / f"{file_id}.raw"
        if client.head_offset(path) != size or raw.stat().st_size != size:
            raise SystemExit(f"{path}: server holds {raw.stat().st_size} of {size} bytes")
        raw.unlink()


# -- setup --------------------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=SOURCE, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"manage.py {args[0]} failed:\n{done.stderr[-2000:]}")
    return done.stdout


START_SESSIONS = """
import datetime
from django.contrib.auth.models import User
from centers.models import Center
from challenges.models import Task
from uploads.services import start_upload
user = User.objects.get(username="uploader")
center = Center.objects.get(slug="chu-lyon")
task = Task.objects.get(slug="coronary-calcium")
for _ in range({n}):
    upload = start_upload(user=user, task=task, center=center, information_letter_version="v3",
        information_letter_date=datetime.date(2020, 1, 15), consent_attested=True)
    print("UPLOAD", upload.id)
"""


def prepare(var_dir: Path, sessions: int) -> tuple[dict[str, str], list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DATABASE_"))}
    env |= {
        "RADCHALLENGE_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "DEID_OCR": "0",
        # A broker makes tasks non-eager; the memory transport keeps the job queued in the
        # server process, where no worker ever takes it: only the upload is measured.
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "LOG_LEVEL": "WARNING",
    }
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--no-exams")
    out = manage(env, "shell", "-c", START_SESSIONS.format(n=sessions))
    ids = [line.split()[1] for line in out.splitlines() if line.startswith("UPLOAD ")]
    return env, ids


def plan(sizes_mib: list[int], servers: list[str]) -> list[Run]:
    runs = []
    for server in servers:
        for chunk in (5 * MIB, 50 * MIB):
            runs += [Run(server, size * MIB, chunk) for size in sizes_mib]
    runs += [Run("gunicorn", size * MIB, SLICE_SIZE, per_slice=True) for size in sizes_mib]
    return runs


def table(results: list[Result], floors: dict[tuple[int, int], list[float]]) -> str:
    """One row per variant: best and median of the repeats; memory is the worst repeat."""
    rows = [
        "| server | layout | chunk | series | MiB/s best (median) | best vs floor "
        "| idle RSS | ready RSS | peak before last PATCH | peak RSS | VmHWM |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    groups: dict[tuple, list[Result]] = {}
    for r in results:
        groups.setdefault((r.run.server, r.run.per_slice, r.run.chunk, r.run.size), []).append(r)
    for (size, chunk), times in sorted(floors.items()):
        speeds = sorted(size / MIB / t for t in times)
        rows.append(
            f"| bare socket → file (floor) | 1 file | {chunk // MIB} MiB | {size // MIB} MiB "
            f"| {speeds[-1]:.0f} ({statistics.median(speeds):.0f}) | 1.00 "
            "| — | — | — | — | — |"
        )
    for (server, per_slice, chunk, size), group in groups.items():
        speeds = sorted(r.mib_per_s for r in group)
        floor = floors.get((size, 5 * MIB if per_slice else chunk))
        ratio = f"{speeds[-1] / (size / MIB / min(floor)):.2f}" if floor else "—"
        layout = f"{size // SLICE_SIZE} files × 512 KiB" if per_slice else "1 file"
        streaming = max(r.streaming_kib for r in group)

        def mib(field: str, group: list[Result] = group) -> str:
            return f"{max(getattr(r, field) for r in group) / 1024:.0f} MiB"

        rows.append(
            f"| {server} | {layout} | {'whole file' if per_slice else f'{chunk // MIB} MiB'} "
            f"| {size // MIB} MiB | {speeds[-1]:.0f} ({statistics.median(speeds):.0f}) "
            f"| {ratio} | {mib('idle_kib')} | {mib('ready_kib')} "
            f"| {f'{streaming / 1024:.0f} MiB' if streaming else '—'} "
            f"| {mib('peak_kib')} | {mib('hwm_kib')} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1024], help="MiB")
    parser.add_argument("--servers", nargs="+", default=["gunicorn", "runserver"])
    parser.add_argument("--repeat", type=int, default=3, help="fresh server each time")
    parser.add_argument("--source", type=Path, default=ROOT, help="server code (default: repo)")
    args = parser.parse_args()
    global SOURCE
    SOURCE = args.source.resolve()

    var_dir = Path(tempfile.mkdtemp(prefix="radchallenge-bench-upload-"))
    free = shutil.disk_usage(var_dir).free
    biggest = max(args.sizes) * MIB
    if free < 3 * biggest:
        scaled = max(1, free // 3 // MIB)
        print(f"Only {free // MIB} MiB free under {var_dir}: scaling the sizes down to {scaled}")
        args.sizes = [min(s, scaled) for s in args.sizes]

    # Repeats are interleaved so that load from other work on the machine spreads evenly;
    # the one-file-per-slice runs take long and are done once.
    runs = [r for i in range(args.repeat) for r in plan(args.sizes, args.servers)]
    runs = [r for i, r in enumerate(runs) if not r.per_slice or i < len(runs) / args.repeat]
    results: list[Result] = []
    floors: dict[tuple[int, int], list[float]] = {}
    try:
        env, sessions = prepare(var_dir, len(runs))
        for _ in range(args.repeat):
            for size in args.sizes:
                for chunk in (5 * MIB, 50 * MIB):
                    seconds = measure_floor(size * MIB, chunk, var_dir)
                    floors.setdefault((size * MIB, chunk), []).append(seconds)
                    print(f"floor, {size} MiB, {chunk // MIB} MiB chunks: {seconds:.2f} s")
        for run, upload_id in zip(runs, sessions, strict=True):
            result = measure(run, upload_id, env, var_dir)
            results.append(result)
            print(
                f"{run.label}: {result.seconds:.2f} s, {result.mib_per_s:.0f} MiB/s, "
                f"peak {result.peak_kib / 1024:.0f} MiB ({result.samples} samples)",
                flush=True,
            )
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    client_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    print(table(results, floors))
    print(f"\nclient peak RSS {client_peak:.0f} MiB; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
