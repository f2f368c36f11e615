#pragma once

#include "core/domain/noderunstate.h"
#include "core/domain/waitinfo.h"

#include <optional>

#include <QList>
#include <QString>

namespace Baton {

struct StateTransition
{
    NodeRunState state = NodeRunState::Queued;
    qint64 atMs = 0;
    QString reason;

    bool operator==(const StateTransition &) const = default;
};

// One node inside one job: its current state, why, what it is doing, and when it entered every state.
struct NodeRun
{
    QString node;
    QString service; // empty for an explicit node list without a service
    QString address;
    NodeRunState state = NodeRunState::Queued;
    QString reason; // why it is in this state: the gate's waiting reason, a failure message, who cancelled
    QString task; // the Ansible task running now
    WaitInfo wait; // structured form of the reason while waiting_for_slot
    QList<StateTransition> transitions; // every state entered, oldest first; the first is queued
    qint64 startedAtMs = 0; // when the runner process started
    qint64 finishedAtMs = 0;
    std::optional<int> exitCode;
    qint64 logBytes = 0;
    bool maintenanceLeftOn = false; // a force-killed run whose maintenance the operator chose to keep
    qint64 lastEventAtMs = 0; // for stuck-run detection

    bool operator==(const NodeRun &) const = default;
};

} // namespace Baton
