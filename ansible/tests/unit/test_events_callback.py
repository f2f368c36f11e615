"""The events callback with real ansible-playbook runs (no Consul needed): line format, streaming through a
pipe as things happen, the file fallback, silence, and that the normal stdout output is untouched."""

import datetime
import json
import os
import re
import select
import subprocess
import time

import pytest

from ansiblerun import ANSIBLE_PLAYBOOK, ansible_env, read_events, run_playbook, write_inventory

EVENTS = {"playbook_start", "play_start", "task_start", "runner_ok", "runner_changed", "runner_failed",
          "runner_skipped", "runner_unreachable", "runner_retry", "stats", "playbook_end"}
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

PLAYBOOK = """
- name: events sample
  hosts: all
  gather_facts: false
  tasks:
    - name: say hello
      ansible.builtin.debug:
        msg: hello
    - name: change something
      ansible.builtin.command: "true"
    - name: skip this
      ansible.builtin.debug:
        msg: never
      when: false
    - name: fail but carry on
      ansible.builtin.fail:
        msg: "expected failure"
      ignore_errors: true
    - name: succeed on the third try
      ansible.builtin.shell: "n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; test $n -ge 3"
      register: tries
      until: tries is succeeded
      retries: 4
      delay: 0
    - name: fail for real
      ansible.builtin.fail:
        msg: "the end"
"""


@pytest.fixture
def sample(tmp_path):
    pb = tmp_path / "sample.yml"
    pb.write_text(PLAYBOOK.format(counter=tmp_path / "counter"))
    inv = write_inventory(tmp_path / "inv.json", {"web-1": {}})
    return str(pb), inv


def check_common(lines):
    for line in lines:
        assert line["v"] == 1
        assert TS.match(line["ts"]), line["ts"]
        assert line["event"] in EVENTS


def test_lines_in_a_file(sample, tmp_path):
    pb, inv = sample
    events = tmp_path / "events.jsonl"
    r = run_playbook(pb, inv, tmp_path, events_file=events)
    assert r.returncode == 2, r.stdout.decode()
    lines = read_events(events)
    check_common(lines)
    kinds = [l["event"] for l in lines]
    assert kinds[0] == "playbook_start" and lines[0]["playbook"].endswith("sample.yml")
    assert kinds[1] == "play_start" and lines[1]["play"] == "events sample"
    assert kinds[-2:] == ["stats", "playbook_end"]

    def one(event, task):
        found = [l for l in lines if l["event"] == event and l.get("task") == task]
        assert len(found) == 1, (event, task, kinds)
        return found[0]

    starts = [l for l in lines if l["event"] == "task_start"]
    assert [s["task"] for s in starts] == ["say hello", "change something", "skip this", "fail but carry on",
                                           "succeed on the third try", "fail for real"]
    assert starts[0]["action"] == "ansible.builtin.debug"
    assert one("runner_ok", "say hello")["host"] == "web-1"
    assert one("runner_changed", "change something")["action"] == "ansible.builtin.command"
    assert one("runner_skipped", "skip this")["host"] == "web-1"
    ignored = one("runner_failed", "fail but carry on")
    assert ignored["msg"] == "expected failure" and ignored.get("ignored") is True
    retries = [l for l in lines if l["event"] == "runner_retry"]
    assert [(l["attempt"], l["retries"]) for l in retries] == [(1, 4), (2, 4)]
    assert all(l["host"] == "web-1" and l["task"] == "succeed on the third try" for l in retries)
    assert one("runner_changed", "succeed on the third try")
    assert one("runner_failed", "fail for real")["msg"] == "the end"
    stats = lines[-2]["hosts"]["web-1"]
    assert stats["failures"] == 1 and stats["ignored"] == 1 and stats["skipped"] == 1 and stats["changed"] >= 2
    # Timestamps never go backwards.
    ts = [datetime.datetime.strptime(l["ts"], "%Y-%m-%dT%H:%M:%S.%fZ") for l in lines]
    assert ts == sorted(ts)


def test_stdout_is_untouched(sample, tmp_path):
    pb, inv = sample
    with_cb = run_playbook(pb, inv, tmp_path, events_file=tmp_path / "e.jsonl").stdout.decode()
    (tmp_path / "counter").unlink()
    env = ansible_env(tmp_path)
    del env["ANSIBLE_CALLBACKS_ENABLED"]
    without = subprocess.run([ANSIBLE_PLAYBOOK, "-i", inv, pb], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, cwd=str(tmp_path)).stdout.decode()
    assert with_cb == without
    assert '"event"' not in with_cb and "PLAY RECAP" in with_cb


def test_silent_without_a_channel(sample, tmp_path):
    pb, inv = sample
    r = run_playbook(pb, inv, tmp_path)
    assert r.returncode == 2
    assert b"baton.gate.events" not in r.stdout
    assert not list(tmp_path.glob("*.jsonl"))


def test_streams_through_a_pipe_as_it_happens(tmp_path):
    """The test holds the playbook inside a task until it has read that task's task_start line from fd 3:
    if lines were buffered until the end, the playbook would never finish."""
    gate_file = tmp_path / "go"
    pb = tmp_path / "stream.yml"
    pb.write_text("""
- hosts: all
  gather_facts: false
  tasks:
    - name: before
      ansible.builtin.debug: {msg: x}
    - name: hold
      ansible.builtin.wait_for: {path: "%s", timeout: 60}
    - name: after
      ansible.builtin.debug: {msg: y}
""" % gate_file)
    inv = write_inventory(tmp_path / "inv.json", {"web-1": {}})
    r, w = os.pipe()
    env = ansible_env(tmp_path, extra={"BATON_EVENTS_FD": str(w)})
    proc = subprocess.Popen([ANSIBLE_PLAYBOOK, "-i", inv, str(pb)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, cwd=str(tmp_path), pass_fds=(w,))
    os.close(w)
    buf = b""
    lines = []
    released = False
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([r], [], [], 1.0)
            if not ready:
                continue
            chunk = os.read(r, 65536)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = json.loads(raw)
                lines.append(line)
                if line["event"] == "task_start" and line["task"] == "hold":
                    assert not gate_file.exists()
                    assert proc.poll() is None  # the playbook is still running
                    gate_file.write_text("go")
                    released = True
    finally:
        os.close(r)
        proc.wait(60)
    assert released
    assert proc.returncode == 0, proc.stdout.read().decode()
    assert [l["event"] for l in lines][-2:] == ["stats", "playbook_end"]
    assert buf == b""  # every line was terminated


def test_a_bad_fd_warns_once_and_the_playbook_still_runs(sample, tmp_path):
    pb, inv = sample
    r = run_playbook(pb, inv, tmp_path, env_extra={"BATON_EVENTS_FD": "97"})
    out = " ".join(r.stdout.decode().split())  # the warning may be wrapped
    assert r.returncode == 2
    assert out.count("BATON_EVENTS_FD=97 is not an open file descriptor") == 1
    r = run_playbook(pb, inv, tmp_path, env_extra={"BATON_EVENTS_FD": "three"})
    assert "BATON_EVENTS_FD=three is not a file descriptor number" in " ".join(r.stdout.decode().split())


def test_an_unwritable_file_warns(sample, tmp_path):
    pb, inv = sample
    r = run_playbook(pb, inv, tmp_path, events_file=tmp_path / "missing-dir" / "e.jsonl")
    assert r.returncode == 2
    assert "cannot open BATON_EVENTS_FILE" in " ".join(r.stdout.decode().split())


def test_a_reader_that_goes_away_does_not_break_the_playbook(sample, tmp_path):
    pb, inv = sample
    r, w = os.pipe()
    os.close(r)  # nobody reads: every write gets EPIPE
    env = ansible_env(tmp_path, extra={"BATON_EVENTS_FD": str(w)})
    proc = subprocess.run([ANSIBLE_PLAYBOOK, "-i", inv, pb], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, cwd=str(tmp_path), pass_fds=(w,), timeout=120)
    os.close(w)
    assert proc.returncode == 2
    assert b"PLAY RECAP" in proc.stdout
    assert b" ".join(proc.stdout.split()).count(b"writing events failed") == 1


def test_gate_tasks_carry_the_gate_object(tmp_path):
    """A gate task that cannot reach Consul fails; its line still carries the gate object, and its task_start
    says which state the task asks for."""
    pb = tmp_path / "gate.yml"
    pb.write_text("""
- hosts: all
  gather_facts: false
  tasks:
    - name: budget
      baton.gate.gate:
        state: status
        service: web
        node: web-1
        consul_http_addr: http://127.0.0.1:9
        request_timeout: 2
""")
    inv = write_inventory(tmp_path / "inv.json", {"web-1": {}})
    events = tmp_path / "events.jsonl"
    r = run_playbook(str(pb), inv, tmp_path, events_file=events)
    assert r.returncode == 2
    lines = read_events(events)
    start = [l for l in lines if l["event"] == "task_start"][0]
    assert start["action"] == "baton.gate.gate" and start["gate_state"] == "status"
    failed = [l for l in lines if l["event"] == "runner_failed"][0]
    gate = failed["gate"]
    assert gate["state"] == "status" and gate["service"] == "web" and gate["node"] == "web-1"
    assert "cannot reach Consul" in gate["reason"] and gate["reason"] == failed["msg"]
    assert set(gate) >= {"state", "service", "node", "session", "holders", "offline", "limit", "max_offline",
                         "max_offline_warning", "reason"}


def test_unreachable_host(tmp_path):
    pb = tmp_path / "u.yml"
    pb.write_text("- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n")
    inv = write_inventory(tmp_path / "inv.json", {"web-9": {"ansible_connection": "ssh", "ansible_host": "127.0.0.1",
                                                             "ansible_port": 9, "ansible_user": "nobody"}})
    events = tmp_path / "events.jsonl"
    r = run_playbook(str(pb), inv, tmp_path, events_file=events, env_extra={"ANSIBLE_TIMEOUT": "5"})
    assert r.returncode == 4
    lines = read_events(events)
    u = [l for l in lines if l["event"] == "runner_unreachable"]
    assert len(u) == 1 and u[0]["host"] == "web-9" and u[0]["msg"]
    assert [l for l in lines if l["event"] == "stats"][0]["hosts"]["web-9"]["unreachable"] == 1
