#include "core/domain/jobevent.h"

#include <array>

namespace Baton {

namespace {
struct Names
{
    JobEvent::Type type;
    const char *wire;
};
constexpr std::array<Names, 7> kNames { {
    { JobEvent::Type::JobCreated, "job.created" },
    { JobEvent::Type::JobState, "job.state" },
    { JobEvent::Type::NodeState, "node.state" },
    { JobEvent::Type::NodeTask, "node.task" },
    { JobEvent::Type::NodeLog, "node.log" },
    { JobEvent::Type::Resync, "resync" },
    { JobEvent::Type::Heartbeat, "heartbeat" },
} };
} // namespace

QString JobEvent::typeToWire(Type type)
{
    return QString::fromLatin1(kNames[std::size_t(type)].wire);
}

std::optional<JobEvent::Type> JobEvent::typeFromWire(QStringView text)
{
    for (const Names &n : kNames) {
        if (text == QLatin1StringView(n.wire))
            return n.type;
    }
    return std::nullopt;
}

} // namespace Baton
