#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Baton contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gate
short_description: Take a node out of service only within its service's Consul budget
version_added: "0.1.0"
description:
  - Coordinates rolling changes through Consul. A node enters maintenance only when
    C(|slot holders ∪ offline peers| + 1 <= max_offline) for its service, where slot holders are the members of
    the service's slot semaphore (modelled on C(consul lock -n)) and offline peers are other instances with any
    critical check (maintenance counts).
  - C(max_offline) is read from C(<prefix>services/<service>/max_offline) at every attempt, so a live change
    takes effect at once; it is a count (C(2)), a percentage of registered instances (C(25%), rounded down, at
    least 1) or C(0) to freeze the service. A missing key means 1; a malformed one means 1 with a warning.
  - Talks to the node's own Consul agent with the Python standard library only.
  - See docs/coordination.md in the Baton tree for the protocol and its failure cases.
options:
  state:
    description:
      - C(entered) waits (with blocking queries, up to I(wait) seconds) for a slot, takes it by CAS, confirms the
        budget with consistent health reads before and after, and puts the node or its service instance into
        maintenance. When no slot frees up in time it answers C(gate.state=waiting) with the reason, without
        failing, so a play can retry it (the C(rolling) role does, with no delay).
      - C(left) turns maintenance off, waits up to I(health_timeout) seconds for the node's checks to pass, then
        gives the slot back. A node that does not come back healthy keeps its slot and the task fails.
      - C(released) is the operator's clean-up after a crash or a killed run, turns off maintenance Baton set and
        gives back every slot and session of this node for the service, without waiting for health.
      - C(status) reads the budget and changes nothing.
    type: str
    required: true
    choices: [entered, left, released, status]
  service:
    description: The Consul service whose budget applies.
    type: str
    required: true
  node:
    description: The node's Consul name. Defaults to the agent's own node name (C(/v1/agent/self)).
    type: str
  consul_http_addr:
    description:
      - The node's Consul agent, C(http://host:port), C(https://host:port) or C(host:port).
      - Defaults to C(CONSUL_HTTP_ADDR), then C(http://127.0.0.1:8500).
    type: str
  token:
    description: ACL token, sent as C(X-Consul-Token). Defaults to C(CONSUL_HTTP_TOKEN).
    type: str
  ca_file:
    description: CA bundle for https. Defaults to C(CONSUL_CACERT).
    type: path
  client_cert:
    description: Client certificate for https. Defaults to C(CONSUL_CLIENT_CERT).
    type: path
  client_key:
    description: Client key for https. Defaults to C(CONSUL_CLIENT_KEY).
    type: path
  validate_certs:
    description: Verify the agent's certificate. Defaults to C(CONSUL_HTTP_SSL_VERIFY), then true.
    type: bool
  prefix:
    description: KV prefix of Baton's keys.
    type: str
    default: baton/
  job_id:
    description: The Baton job, named in the maintenance reason and the slot record.
    type: str
    default: ""
  operator:
    description: Who launched the job, named in the maintenance reason and the slot record.
    type: str
    default: ""
  reason:
    description: Extra text for the maintenance reason.
    type: str
    default: ""
  maintenance:
    description:
      - C(service) puts only this node's instance(s) of I(service) into maintenance.
      - C(node) uses node maintenance, which takes every service on the node out; only I(service)'s budget is
        checked, so use it only on nodes that run one service.
    type: str
    choices: [service, node]
    default: service
  service_id:
    description: The instance ID(s) to put into maintenance. Defaults to every instance of I(service) registered
      on the agent.
    type: list
    elements: str
  wait:
    description: For C(entered), how long one attempt blocks waiting for a slot before answering C(waiting).
    type: float
    default: 30
  health_settle:
    description:
      - For C(left), how long (seconds) the node's checks must keep passing before the slot is given back. A
        check reports again only at its next interval, so right after a restart it may still show the result
        it had before.
      - C(auto) uses the longest interval of the node's checks (at most 120 s; 0 when it has only TTL checks).
    type: raw
    default: auto
  report_after:
    description:
      - For C(entered), once an attempt has waited this many seconds it answers C(waiting) as soon as the reason
        it would give changes (other holders, offline peers, max_offline), instead of only when I(wait) runs out.
        This keeps the reason an operator sees current. 0 turns it off.
    type: float
    default: 0
  health_timeout:
    description: For C(left), how long to wait for the node's checks to pass.
    type: float
    default: 300
  jitter:
    description: Sleep a random time between 0 and this many seconds before anything else, so that many nodes
      started together do not all race for the same CAS.
    type: float
    default: 0
  request_timeout:
    description: Timeout of one non-blocking HTTP request to Consul, in seconds.
    type: float
    default: 10
author:
  - Baton contributors
notes:
  - Check mode reads the budget and reports what would happen without waiting or writing.
  - Idempotent, entering twice holds one slot, leaving twice is a no-op.
"""

EXAMPLES = r"""
- name: Wait for a slot and enter maintenance (the rolling role wraps this with retries)
  baton.gate.gate:
    state: entered
    service: web
    job_id: "{{ baton_job_id }}"
    operator: "{{ baton_operator }}"
  register: gate
  until: gate is failed or gate.gate.state == 'entered'
  retries: 120
  delay: 0

- name: Back in service
  baton.gate.gate:
    state: left
    service: web

- name: Clean up a node left in maintenance by a killed run
  baton.gate.gate:
    state: released
    service: web
"""

RETURN = r"""
gate:
  description: The gate's answer, also carried on the events callback lines of gate tasks.
  returned: always
  type: dict
  contains:
    state:
      description: entered, waiting, left, released or status.
      type: str
    service:
      description: The service.
      type: str
    node:
      description: The node.
      type: str
    session:
      description: The session holding this node's slot, or empty.
      type: str
    holders:
      description: Nodes that hold slots.
      type: list
      elements: str
    offline:
      description: Other instances that are offline without holding a slot, each with node and reason.
      type: list
      elements: dict
    limit:
      description: How many instances may be offline now (-1 when it could not be read).
      type: int
    max_offline:
      description: The max_offline value in force, as text.
      type: str
    max_offline_warning:
      description: Set when the key was malformed and the default was used.
      type: str
    instances:
      description: Registered instances of the service (-1 when unknown).
      type: int
    reason:
      description: One line saying what happened or why the node waits.
      type: str
trace:
  description: The steps the gate took, with timestamps, for troubleshooting.
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.baton.gate.plugins.module_utils.consul_client import ConsulClient, ConsulError
from ansible_collections.baton.gate.plugins.module_utils.gate_core import GateError
from ansible_collections.baton.gate.plugins.module_utils.gate_protocol import Gate, GateConfig


def _env_bool(name, default):
    v = os.environ.get(name)
    if v is None or v.strip() == "":
        return default
    return v.strip().lower() in ("1", "t", "true", "yes", "on")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", required=True, choices=["entered", "left", "released", "status"]),
            service=dict(type="str", required=True),
            node=dict(type="str"),
            consul_http_addr=dict(type="str", fallback=(env_fallback, ["CONSUL_HTTP_ADDR"])),
            token=dict(type="str", no_log=True, fallback=(env_fallback, ["CONSUL_HTTP_TOKEN"])),
            ca_file=dict(type="path", fallback=(env_fallback, ["CONSUL_CACERT"])),
            client_cert=dict(type="path", fallback=(env_fallback, ["CONSUL_CLIENT_CERT"])),
            client_key=dict(type="path", no_log=False, fallback=(env_fallback, ["CONSUL_CLIENT_KEY"])),
            validate_certs=dict(type="bool"),
            prefix=dict(type="str", default="baton/"),
            job_id=dict(type="str", default=""),
            operator=dict(type="str", default=""),
            reason=dict(type="str", default=""),
            maintenance=dict(type="str", default="service", choices=["service", "node"]),
            service_id=dict(type="list", elements="str"),
            wait=dict(type="float", default=30.0),
            health_timeout=dict(type="float", default=300.0),
            report_after=dict(type="float", default=0.0),
            health_settle=dict(type="raw", default="auto"),
            jitter=dict(type="float", default=0.0),
            request_timeout=dict(type="float", default=10.0),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for name in ("wait", "health_timeout", "jitter", "request_timeout", "report_after"):
        if p[name] < 0:
            module.fail_json(msg="%s must not be negative" % name)
    if p["request_timeout"] <= 0:
        module.fail_json(msg="request_timeout must be positive")
    settle = p["health_settle"]
    if isinstance(settle, str) and settle.strip().lower() == "auto":
        settle = None
    else:
        try:
            settle = float(settle)
            if settle < 0 or settle != settle:
                raise ValueError
        except (TypeError, ValueError):
            module.fail_json(msg="health_settle must be 'auto' or a number of seconds, not %r" % (p["health_settle"],))

    verify = p["validate_certs"]
    if verify is None:
        verify = _env_bool("CONSUL_HTTP_SSL_VERIFY", True)
    try:
        client = ConsulClient(
            p["consul_http_addr"] or "http://127.0.0.1:8500",
            token=p["token"],
            ca_file=p["ca_file"],
            client_cert=p["client_cert"],
            client_key=p["client_key"],
            verify=verify,
            timeout=p["request_timeout"],
            use_ssl=_env_bool("CONSUL_HTTP_SSL", False),
        )
        cfg = GateConfig(
            service=p["service"],
            node=p["node"],
            prefix=p["prefix"],
            job_id=p["job_id"],
            operator=p["operator"],
            reason=p["reason"],
            maintenance=p["maintenance"],
            service_ids=p["service_id"],
            wait=p["wait"],
            health_timeout=p["health_timeout"],
            check_mode=module.check_mode,
            report_after=p["report_after"],
            health_settle=settle,
        )
    except (ConsulError, GateError) as e:
        module.fail_json(msg=str(e))

    gate = Gate(client, cfg)
    state = p["state"]
    try:
        gate.jitter(p["jitter"])
        if state == "entered":
            result = gate.enter()
        elif state == "left":
            result = gate.leave()
        elif state == "released":
            result = gate.release()
        else:
            result = gate.status()
    except (ConsulError, GateError) as e:
        failed = gate.result(state, None, failed=True, reason=str(e))
        failed.pop("msg", None)
        failed.pop("failed", None)
        module.fail_json(msg=str(e), **failed)

    if result.get("failed"):
        result.pop("failed")
        msg = result.pop("msg")
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
