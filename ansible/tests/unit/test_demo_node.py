"""tools/demo-node: the app each simulated node runs (command line, /health, /version, pid file, restart)."""

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from simfleet import DEMO_NODE


def demo(*args, timeout=30):
    return subprocess.run([sys.executable, DEMO_NODE] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def get(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_help_and_version():
    r = demo("--help")
    assert r.returncode == 0 and b"usage: demo-node" in r.stdout
    r = demo("--version")
    assert r.returncode == 0 and r.stdout.startswith(b"demo-node ")


@pytest.mark.parametrize("args,message", [
    (["--bogus", "d", "0"], b"unrecognized arguments: --bogus"),
    (["d", "http"], b"is not a TCP port number"),
    (["d", "70000"], b"is not a TCP port number"),
    (["d"], b"PORT is required"),
    (["/proc/none/dir", "0"], b"cannot use /proc/none/dir as the working directory"),
])
def test_bad_command_lines_get_one_clear_line(args, message):
    r = demo(*args)
    assert r.returncode != 0
    lines = r.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and message.decode() in lines[0]


def test_serves_health_and_version_and_stops_cleanly(tmp_path):
    d = tmp_path / "node"
    r = demo("--daemon", str(d), "0")
    assert r.returncode == 0, r.stderr
    try:
        port = int((d / "port").read_text())
        pid = int((d / "pid").read_text())
        assert get(port, "/health") == (200, b"ok\n")
        assert get(port, "/version")[0] == 404
        (d / "version").write_text("v3\n")
        assert get(port, "/version") == (200, b"v3\n")
        (d / "broken").write_text("")
        assert get(port, "/health") == (503, b"broken\n")
        assert get(port, "/nothing")[0] == 404
        # A second instance cannot take the same port.
        r = demo("--daemon", str(tmp_path / "other"), str(port))
        assert r.returncode == 1 and b"cannot listen" in r.stderr
    finally:
        r = demo("--stop", str(d))
    assert r.returncode == 0 and b"stopped pid %d" % pid in r.stdout
    assert not (d / "pid").exists()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    r = demo("--stop", str(d))
    assert r.returncode == 0 and b"not running" in r.stdout


def test_stop_ignores_a_stale_pid_file(tmp_path):
    d = tmp_path / "node"
    d.mkdir()
    (d / "pid").write_text("%d\n" % os.getpid())  # a live process that is not a demo-node
    r = demo("--stop", str(d))
    assert r.returncode == 0 and b"stale pid file" in r.stdout
    assert not (d / "pid").exists()
