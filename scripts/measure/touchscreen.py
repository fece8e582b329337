#!/usr/bin/env python3
"""Measures the real touchscreen on a real X server (Xvfb), for docs/performance.md:

- cold start to first frame: from starting `borne run` to the first screen capture of the X root
  window that shows the kiosk's background colour (polled with `xwd`, every few ms);
- resident and proportional memory (RSS, PSS) of the kiosk showing its welcome screen;
- the same memory for Chromium in kiosk mode showing a comparable static page (the home screen's
  six tiles, scripts/measure/home.html), which is what communes use instead.

Needs: a release build (`cargo build --release --bin borne`), and the Debian packages xvfb,
x11-apps (xwd) and chromium. Usage: python3 scripts/measure/touchscreen.py [RUNS]
"""

import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BORNE = ROOT / "target" / "release" / "borne"
BACKGROUND = bytes([0xEA, 0xF1, 0xF4])  # Theme.background #f4f1ea as xwd's B, G, R bytes
WIDTH, HEIGHT = 1080, 1920


def free_display():
    for n in range(40, 99):
        if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"):
            return n
    raise SystemExit("no free X display number")


def start_xvfb():
    n = free_display()
    xvfb = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while not os.path.exists(f"/tmp/.X11-unix/X{n}"):
        time.sleep(0.01)
    return xvfb, f":{n}"


def shows_background(display):
    """Whether the root window shows the kiosk's background colour somewhere."""
    dump = subprocess.run(["xwd", "-root", "-silent", "-display", display], capture_output=True).stdout
    return dump.count(BACKGROUND) > 10000


def memory(pids):
    """(RSS, PSS) in MB summed over `pids`."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024


def descendants(pid):
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children = {}
    for line in out.split("\n"):
        if line.strip():
            p, pp = map(int, line.split())
            children.setdefault(pp, []).append(p)
    found, todo = [pid], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def stop(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def measure_borne(display, runs):
    env = dict(os.environ, DISPLAY=display, SLINT_BACKEND="winit-software", BORNE_KIOSK__FULLSCREEN="false")
    env.pop("WAYLAND_DISPLAY", None)
    starts, memories = [], []
    for _ in range(runs):
        t0 = time.monotonic()
        kiosk = subprocess.Popen([str(BORNE), "run"], env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not shows_background(display):
            if time.monotonic() - t0 > 30:
                raise SystemExit("the kiosk never showed its welcome screen")
            time.sleep(0.002)
        starts.append(time.monotonic() - t0)
        time.sleep(3)
        memories.append(memory(descendants(kiosk.pid)))
        stop(kiosk)
        time.sleep(0.5)
    return starts, memories


def measure_chromium(display):
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    profile = tempfile.mkdtemp(prefix="borne-chromium-")
    env = dict(os.environ, DISPLAY=display)
    page = (ROOT / "scripts" / "measure" / "home.html").as_uri()
    browser = subprocess.Popen(
        [chromium, "--kiosk", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", f"--user-data-dir={profile}",
         f"--window-size={WIDTH},{HEIGHT}", page],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    while not shows_background(display) and time.monotonic() - t0 < 60:
        time.sleep(0.01)
    first = time.monotonic() - t0
    time.sleep(5)
    result = (first, memory(descendants(browser.pid)), len(descendants(browser.pid)))
    stop(browser)
    shutil.rmtree(profile, ignore_errors=True)
    return result


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    if not BORNE.exists():
        raise SystemExit(f"{BORNE} is missing: cargo build --release --bin borne")
    xvfb, display = start_xvfb()
    try:
        starts, memories = measure_borne(display, runs)
        print(f"borne run (release, winit-software, {WIDTH}x{HEIGHT}), {runs} cold starts:")
        print(f"  start to first frame: median {statistics.median(starts) * 1000:.0f} ms, "
              f"worst {max(starts) * 1000:.0f} ms")
        print(f"  welcome screen: RSS {statistics.median(m[0] for m in memories):.1f} MB, "
              f"PSS {statistics.median(m[1] for m in memories):.1f} MB")
        chromium = measure_chromium(display)
        if chromium is None:
            print("chromium: not installed (apt-get install chromium), no comparison")
        else:
            first, (rss, pss), processes = chromium
            print(f"chromium --kiosk, static home page ({processes} processes):")
            print(f"  start to first frame: {first * 1000:.0f} ms")
            print(f"  RSS {rss:.1f} MB (shared pages counted in every process), PSS {pss:.1f} MB")
    finally:
        stop(xvfb)


if __name__ == "__main__":
    main()
