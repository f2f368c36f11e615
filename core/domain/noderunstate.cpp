#include "core/domain/noderunstate.h"

#include <array>

namespace Baton {

namespace {
struct Names
{
    NodeRunState state;
    const char *wire;
    const char *display;
};
constexpr std::array<Names, kNodeRunStateCount> kNames { {
    { NodeRunState::Queued, "queued", "queued" },
    { NodeRunState::WaitingForNode, "waiting_for_node", "waiting for node" },
    { NodeRunState::Starting, "starting", "starting" },
    { NodeRunState::WaitingForSlot, "waiting_for_slot", "waiting for slot" },
    { NodeRunState::InMaintenance, "in_maintenance", "in maintenance" },
    { NodeRunState::Verifying, "verifying", "verifying" },
    { NodeRunState::Succeeded, "succeeded", "succeeded" },
    { NodeRunState::Failed, "failed", "failed" },
    { NodeRunState::Cancelled, "cancelled", "cancelled" },
    { NodeRunState::TimedOut, "timed_out", "timed out" },
    { NodeRunState::Unreachable, "unreachable", "unreachable" },
} };
} // namespace

QString toWire(NodeRunState state)
{
    return QString::fromLatin1(kNames[std::size_t(state)].wire);
}

std::optional<NodeRunState> nodeRunStateFromWire(QStringView text)
{
    for (const Names &n : kNames) {
        if (text == QLatin1StringView(n.wire))
            return n.state;
    }
    return std::nullopt;
}

QString displayName(NodeRunState state)
{
    return QString::fromLatin1(kNames[std::size_t(state)].display);
}

bool isTerminal(NodeRunState state)
{
    return state >= NodeRunState::Succeeded;
}

bool isWaiting(NodeRunState state)
{
    return state == NodeRunState::Queued || state == NodeRunState::WaitingForNode
        || state == NodeRunState::WaitingForSlot;
}

bool isActive(NodeRunState state)
{
    return state == NodeRunState::Starting || state == NodeRunState::InMaintenance || state == NodeRunState::Verifying;
}

bool isFailure(NodeRunState state)
{
    return state == NodeRunState::Failed || state == NodeRunState::TimedOut || state == NodeRunState::Unreachable;
}

} // namespace Baton
