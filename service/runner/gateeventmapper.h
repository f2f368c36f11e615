#pragma once

#include "core/domain/noderunstate.h"
#include "core/domain/waitinfo.h"

#include <nlohmann/json.hpp>
#include <optional>

#include <QString>

namespace Baton {

// What one callback line changes about a node run.
struct RunnerUpdate
{
    std::optional<NodeRunState> state;
    std::optional<QString> reason;
    std::optional<WaitInfo> wait;
    std::optional<QString> task;
    bool failing = false; // a task failed for real (not ignored) or the host was unreachable: the run will fail

    bool isEmpty() const { return !state && !reason && !wait && !task && !failing; }
};

// Maps the gate collection's callback lines (docs/development.md, "Events channel") to node-run states:
// the gate's `entered` task starting → waiting_for_slot (each retry's `gate` gives the reason); its ok →
// in_maintenance; any other task in maintenance → the current task; the gate's `left` task starting →
// verifying. The process's exit decides the end: 0 → succeeded, else failed, or unreachable when the host was.
class GateEventMapper
{
public:
    explicit GateEventMapper(QString node);

    RunnerUpdate apply(const nlohmann::json &line, NodeRunState current);

    NodeRunState finalState(int exitCode, bool normalExit) const;
    QString finalReason(int exitCode, bool normalExit) const;

    bool enteredMaintenance() const { return m_entered; }
    bool leftMaintenance() const { return m_left; }
    bool sawUnreachable() const { return m_unreachable; }
    QString lastFailure() const { return m_lastFailure; }

    static bool isGateAction(const QString &action);
    static WaitInfo waitFromGate(const nlohmann::json &gate);

private:
    QString m_node;
    bool m_entered = false;
    bool m_left = false;
    bool m_unreachable = false;
    QString m_lastFailure;
};

} // namespace Baton
