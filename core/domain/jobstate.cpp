#include "core/domain/jobstate.h"

#include <array>

namespace Baton {

namespace {
struct Names
{
    JobState state;
    const char *wire;
    const char *display;
};
constexpr std::array<Names, 7> kNames { {
    { JobState::Queued, "queued", "queued" },
    { JobState::Running, "running", "running" },
    { JobState::Cancelling, "cancelling", "cancelling" },
    { JobState::Succeeded, "succeeded", "succeeded" },
    { JobState::PartiallyFailed, "partially_failed", "partially failed" },
    { JobState::Failed, "failed", "failed" },
    { JobState::Cancelled, "cancelled", "cancelled" },
} };
} // namespace

QString toWire(JobState state)
{
    return QString::fromLatin1(kNames[std::size_t(state)].wire);
}

std::optional<JobState> jobStateFromWire(QStringView text)
{
    for (const Names &n : kNames) {
        if (text == QLatin1StringView(n.wire))
            return n.state;
    }
    return std::nullopt;
}

QString displayName(JobState state)
{
    return QString::fromLatin1(kNames[std::size_t(state)].display);
}

bool isTerminal(JobState state)
{
    return state >= JobState::Succeeded;
}

JobState gradeJob(const NodeCounts &counts, bool cancelRequested)
{
    const int total = counts.total();
    if (total == 0)
        return cancelRequested ? JobState::Cancelled : JobState::Failed;
    if (counts.terminal() < total) {
        if (cancelRequested)
            return JobState::Cancelling;
        if (counts[NodeRunState::Queued] == total)
            return JobState::Queued;
        return JobState::Running;
    }
    if (counts.failures() == 0)
        return counts.cancelled() > 0 ? JobState::Cancelled : JobState::Succeeded;
    return counts.succeeded() > 0 ? JobState::PartiallyFailed : JobState::Failed;
}

} // namespace Baton
