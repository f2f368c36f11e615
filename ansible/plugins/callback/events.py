# -*- coding: utf-8 -*-
# Copyright: Baton contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: events
type: notification
short_description: Streams one JSON line per playbook event for the Baton job service
version_added: "0.1.0"
description:
  - Writes one JSON object per line, flushed per line, as things happen, to the file descriptor named by
    C(BATON_EVENTS_FD), else to the file named by C(BATON_EVENTS_FILE) (appended); with neither set it is silent.
  - Every line has C(v) (1), C(ts) (RFC 3339, milliseconds, UTC) and C(event), one of playbook_start, play_start,
    task_start, runner_ok, runner_changed, runner_failed, runner_skipped, runner_unreachable, runner_retry, stats
    and playbook_end. Runner and retry lines of gate tasks also carry C(gate), the gate module's result object.
  - It is a notification callback, so the normal stdout output is untouched. Enable it with
    C(ANSIBLE_CALLBACKS_ENABLED=baton.gate.events).
  - The line format is a contract with the job service, written down in docs/development.md.
requirements:
  - enable in configuration
"""

import datetime
import errno
import json
import os
import threading

from ansible.plugins.callback import CallbackBase

GATE_ACTIONS = ("baton.gate.gate", "gate")
# Bounds that keep one event line small whatever a task prints.
MAX_MSG = 4000
MAX_LINE = 256 * 1024


def _now():
    dt = datetime.datetime.now(tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        try:
            value = json.dumps(value, default=str)
        except (TypeError, ValueError):
            value = str(value)
    if len(value) > MAX_MSG:
        value = value[:MAX_MSG] + "… (%d more characters)" % (len(value) - MAX_MSG)
    return value


def _message(res):
    """One readable line of what a task said: its msg, else the end of stderr/stdout, else the reason."""
    if not isinstance(res, dict):
        return ""
    for key in ("msg", "reason"):
        if res.get(key):
            return _text(res[key])
    for key in ("stderr", "stdout"):
        v = res.get(key)
        if v:
            v = _text(v).strip()
            return v.splitlines()[-1] if v else ""
    if res.get("exception"):
        return _text(res["exception"]).strip().splitlines()[-1]
    return ""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "baton.gate.events"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._lock = threading.Lock()
        self._fd = None
        self._owns_fd = False
        self._broken = False
        self._playbook = ""

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super(CallbackModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self._open()

    # --- the channel ----------------------------------------------------------------------------------------

    def _open(self):
        if self._fd is not None:
            return
        fd_text = os.environ.get("BATON_EVENTS_FD")
        path = os.environ.get("BATON_EVENTS_FILE")
        if fd_text is not None and fd_text.strip() != "":
            try:
                fd = int(fd_text)
                if fd < 0:
                    raise ValueError(fd_text)
            except ValueError:
                self._disable("BATON_EVENTS_FD=%s is not a file descriptor number" % fd_text[:20])
                return
            try:
                os.fstat(fd)
            except OSError as e:
                self._disable("BATON_EVENTS_FD=%d is not an open file descriptor (%s)" % (fd, e.strerror))
                return
            # Modules and the processes they start must not inherit the pipe: the reader waits for EOF.
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass
            self._fd = fd
        elif path:
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._owns_fd = True
            except OSError as e:
                self._disable("cannot open BATON_EVENTS_FILE %s: %s" % (path, e.strerror))

    def _disable(self, why):
        self._broken = True
        self._display.warning("baton.gate.events: %s; events are not written" % why)

    def _emit(self, event, **fields):
        if self._fd is None or self._broken:
            return
        doc = {"v": 1, "ts": _now(), "event": event}
        doc.update(fields)
        try:
            line = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str)
        except (TypeError, ValueError) as e:
            line = json.dumps({"v": 1, "ts": doc["ts"], "event": event, "msg": "unencodable event: %s" % e})
        data = (line + "\n").encode("utf-8", errors="replace")
        if len(data) > MAX_LINE:
            slim = {"v": 1, "ts": doc["ts"], "event": event, "msg": "event too large, dropped fields"}
            for k in ("host", "task", "action", "attempt", "retries", "gate"):
                if k in fields:
                    slim[k] = fields[k]
            data = (json.dumps(slim, separators=(",", ":"), default=str)[:MAX_LINE - 1] + "\n").encode("utf-8")
        with self._lock:
            try:
                view = memoryview(data)
                while view:
                    n = os.write(self._fd, view)
                    view = view[n:]
            except OSError as e:
                if e.errno == errno.EINTR:
                    return
                # The reader went away: keep the playbook running, stop writing.
                self._broken = True
                self._display.warning("baton.gate.events: writing events failed (%s); events are no longer "
                                      "written" % e.strerror)

    # --- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def _task_name(task):
        try:
            return task.get_name().strip()
        except Exception:
            return getattr(task, "name", "") or ""

    @staticmethod
    def _is_gate(action):
        return action in GATE_ACTIONS

    def _runner(self, event, result, **extra):
        task = result._task
        action = getattr(task, "action", "") or ""
        res = result._result if isinstance(result._result, dict) else {}
        fields = {
            "host": result._host.get_name(),
            "task": self._task_name(task),
            "action": action,
            "msg": _message(res),
        }
        fields.update(extra)
        if self._is_gate(action) and isinstance(res.get("gate"), dict):
            fields["gate"] = res["gate"]
        self._emit(event, **fields)

    # --- callbacks ------------------------------------------------------------------------------------------

    def v2_playbook_on_start(self, playbook):
        self._open()
        self._playbook = getattr(playbook, "_file_name", "") or ""
        self._emit("playbook_start", playbook=self._playbook)

    def v2_playbook_on_play_start(self, play):
        self._emit("play_start", play=(play.get_name() or "").strip())

    def _task_start(self, task, handler=False):
        action = getattr(task, "action", "") or ""
        fields = {"task": self._task_name(task), "action": action}
        if handler:
            fields["handler"] = True
        if self._is_gate(action):
            state = task.args.get("state") if isinstance(getattr(task, "args", None), dict) else None
            if isinstance(state, str):
                fields["gate_state"] = state
        self._emit("task_start", **fields)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, handler=True)

    def v2_runner_on_ok(self, result):
        changed = bool(result._result.get("changed")) if isinstance(result._result, dict) else False
        self._runner("runner_changed" if changed else "runner_ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        if ignore_errors:
            self._runner("runner_failed", result, ignored=True)
        else:
            self._runner("runner_failed", result)

    def v2_runner_on_skipped(self, result):
        self._runner("runner_skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._runner("runner_unreachable", result)

    def v2_runner_retry(self, result):
        res = result._result if isinstance(result._result, dict) else {}
        attempt = res.get("attempts", 0)
        retries = res.get("retries", 0)
        # TaskExecutor counts `retries` as attempts + 1 internally; report what the task asked for.
        task_retries = getattr(result._task, "retries", None)
        if isinstance(task_retries, int):
            retries = task_retries
        gate = res.get("gate") if isinstance(res.get("gate"), dict) else None
        msg = gate.get("reason", "") if gate else _message(res)
        fields = {
            "host": result._host.get_name(),
            "task": self._task_name(result._task),
            "action": getattr(result._task, "action", "") or "",
            "attempt": attempt,
            "retries": retries,
            "msg": _text(msg),
        }
        if gate is not None and self._is_gate(fields["action"]):
            fields["gate"] = gate
        self._emit("runner_retry", **fields)

    def v2_playbook_on_stats(self, stats):
        hosts = {}
        for h in sorted(stats.processed.keys()):
            s = stats.summarize(h)
            hosts[h] = dict((k, int(s.get(k, 0))) for k in
                            ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored"))
        self._emit("stats", hosts=hosts)
        self._emit("playbook_end", playbook=self._playbook)
        if self._owns_fd and self._fd is not None:
            try:
                os.close(self._fd)
            except OSError:
                pass
            self._fd = None
