#pragma once

#include <optional>

#include <QMetaType>
#include <QString>

namespace Baton {

// The life of one node inside one job, shared by the service, the event stream and the console.
// Order matters: it is the order a healthy run passes through, and the console sorts by it.
enum class NodeRunState
{
    Queued,
    WaitingForNode, // another job holds baton/nodes/<node>/job
    Starting,
    WaitingForSlot, // the gate waits for the service's budget; the reason says who holds it
    InMaintenance, // the node is out of service running its change
    Verifying, // maintenance is off; waiting for the node's own checks to pass
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    Unreachable,
};
inline constexpr int kNodeRunStateCount = 11;

QString toWire(NodeRunState state); // "waiting_for_slot"
std::optional<NodeRunState> nodeRunStateFromWire(QStringView text);
QString displayName(NodeRunState state); // "waiting for slot"

bool isTerminal(NodeRunState state);
bool isWaiting(NodeRunState state); // queued, waiting_for_node, waiting_for_slot
bool isActive(NodeRunState state); // starting, in_maintenance, verifying
bool isFailure(NodeRunState state); // failed, timed_out, unreachable

} // namespace Baton

Q_DECLARE_METATYPE(Baton::NodeRunState)
