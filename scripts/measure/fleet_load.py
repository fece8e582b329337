#!/usr/bin/env python3
"""Load measurement of borne-fleet (issue 7): N simulated kiosks at one message a second.

Starts a Mosquitto on a free loopback port, a release `borne-fleet` on SQLite in a temporary
directory, then `borne sim fleet` (N real kiosk MQTT clients in one process). While the kiosks
report, samples the fleet's /metrics every second (ingest lag from the kiosk making a message to
its commit in the database, messages stored) and the fleet process's CPU and memory from /proc.
Times the overview page every 5 s under that load, and 20 times at the end with all kiosks known,
as well as GET /api/kiosks.

    cargo build --release -p borne-fleet -p borne-kiosk
    python3 scripts/measure/fleet_load.py --kiosks 1000 --seconds 60

Prints one JSON object with the numbers written in docs/performance.md.
"""

import argparse
import http.cookiejar
import json
import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

TOKEN = "load-test-token-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"port {port} did not open")


def get(url, token=TOKEN, opener=None):
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with (opener or urllib.request.build_opener()).open(request, timeout=30) as response:
        return response.read().decode()


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def proc_stats(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    with open(f"/proc/{pid}/status") as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    return ticks / os.sysconf("SC_CLK_TCK"), rss / 1024.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--target", default="target/release")
    args = parser.parse_args()
    fleet_bin = os.path.join(args.target, "borne-fleet")
    borne_bin = os.path.join(args.target, "borne")
    tmp = tempfile.mkdtemp(prefix="fleet-load-")
    mqtt_port, web_port = free_port(), free_port()
    with open(f"{tmp}/mosquitto.conf", "w") as f:
        f.write(f"listener {mqtt_port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n"
                "max_inflight_messages 0\nmax_connections -1\n")
    broker = subprocess.Popen(["mosquitto", "-c", f"{tmp}/mosquitto.conf"], stderr=subprocess.DEVNULL)
    wait_port(mqtt_port)
    password_hash = subprocess.run([fleet_bin, "hash-password"], input="load-pw\n", capture_output=True,
                                   text=True, check=True).stdout.strip()
    with open(f"{tmp}/fleet.toml", "w") as f:
        f.write(f'[[users]]\nname = "admin"\npassword_hash = "{password_hash}"\nrole = "operator"\n')
    fleet = subprocess.Popen(
        [fleet_bin, "--config", f"{tmp}/fleet.toml", "--broker", f"mqtt://127.0.0.1:{mqtt_port}",
         "--listen", f"127.0.0.1:{web_port}", "--db", f"sqlite://{tmp}/fleet.db", "--api-token", TOKEN,
         "--insecure-cookies"],
        stderr=open(f"{tmp}/fleet.log", "w"), env={**os.environ, "RUST_LOG": "warn"})
    wait_port(web_port)
    base = f"http://127.0.0.1:{web_port}"
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login", data=urllib.parse.urlencode({"user": "admin", "password": "load-pw", "next": "/"}).encode())
    sim = subprocess.Popen(
        [borne_bin, "sim", "fleet", "--broker", f"mqtt://127.0.0.1:{mqtt_port}", "--kiosks", str(args.kiosks),
         "--interval", "1", "--duration", str(args.seconds)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    samples = []
    busy_page_ms = []
    cpu0, _ = proc_stats(fleet.pid)
    t0 = time.time()
    while sim.poll() is None:
        time.sleep(1)
        text = get(f"{base}/metrics")
        cpu, rss = proc_stats(fleet.pid)
        if len(samples) % 5 == 4:
            start = time.perf_counter()
            get(f"{base}/", token=None, opener=opener)
            busy_page_ms.append(1000 * (time.perf_counter() - start))
        samples.append({
            "t": time.time() - t0,
            "max_lag_ms": metric(text, "borne_fleet_ingest_max_lag_milliseconds"),
            "stored": metric(text, "borne_fleet_messages_stored_total"),
            "cpu_s": cpu - cpu0,
            "rss_mb": rss,
        })
    sim_output = sim.stdout.read()
    # The steady state: the last `seconds` samples (the sim's ramp-up comes first).
    steady = samples[-args.seconds:] if len(samples) > args.seconds else samples
    span = steady[-1]["t"] - steady[0]["t"] or 1.0
    rate = (steady[-1]["stored"] - steady[0]["stored"]) / span
    cpu_percent = 100.0 * (steady[-1]["cpu_s"] - steady[0]["cpu_s"]) / span

    kiosks = json.loads(get(f"{base}/api/kiosks"))
    page_ms, api_ms = [], []
    for _ in range(20):
        start = time.perf_counter()
        page = get(f"{base}/", token=None, opener=opener)
        page_ms.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        get(f"{base}/api/kiosks")
        api_ms.append(1000 * (time.perf_counter() - start))
    result = {
        "kiosks": args.kiosks,
        "kiosks_known": len(kiosks),
        "steady_seconds": round(span, 1),
        "messages_per_second_stored": round(rate, 1),
        "max_ingest_lag_ms": max(s["max_lag_ms"] for s in steady),
        "median_ingest_lag_ms": statistics.median(s["max_lag_ms"] for s in steady),
        "fleet_cpu_percent_of_one_core": round(cpu_percent, 1),
        "fleet_rss_mb_max": round(max(s["rss_mb"] for s in samples), 1),
        "overview_page_ms_median": round(statistics.median(page_ms), 1),
        "overview_page_ms_max": round(max(page_ms), 1),
        "overview_page_ms_under_load_max": round(max(busy_page_ms), 1) if busy_page_ms else None,
        "overview_page_ms_under_load_median": round(statistics.median(busy_page_ms), 1) if busy_page_ms else None,
        "overview_page_kb": round(len(page.encode()) / 1024, 1),
        "api_kiosks_ms_median": round(statistics.median(api_ms), 1),
        "database_mb": round(os.path.getsize(f"{tmp}/fleet.db") / 1e6, 1),
        "sim": sim_output.strip().splitlines()[-1:] if sim_output else [],
    }
    print(json.dumps(result, indent=2))
    fleet.terminate()
    broker.terminate()
    fleet.wait()
    broker.wait()


if __name__ == "__main__":
    main()
