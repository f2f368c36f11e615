#include "core/domain/nodecounts.h"

#include <numeric>

#include <QStringList>

namespace Baton {

int NodeCounts::total() const
{
    return std::accumulate(byState.begin(), byState.end(), 0);
}

int NodeCounts::failures() const
{
    return (*this)[NodeRunState::Failed] + (*this)[NodeRunState::TimedOut] + (*this)[NodeRunState::Unreachable];
}

int NodeCounts::waiting() const
{
    return (*this)[NodeRunState::Queued] + (*this)[NodeRunState::WaitingForNode]
        + (*this)[NodeRunState::WaitingForSlot];
}

int NodeCounts::active() const
{
    return (*this)[NodeRunState::Starting] + (*this)[NodeRunState::InMaintenance] + (*this)[NodeRunState::Verifying];
}

int NodeCounts::terminal() const
{
    return succeeded() + failures() + cancelled();
}

QString NodeCounts::summary() const
{
    QStringList parts;
    if (succeeded())
        parts << QStringLiteral("%1 ok").arg(succeeded());
    if (failures())
        parts << QStringLiteral("%1 failed").arg(failures());
    if (cancelled())
        parts << QStringLiteral("%1 cancelled").arg(cancelled());
    if (active())
        parts << QStringLiteral("%1 running").arg(active());
    if (waiting())
        parts << QStringLiteral("%1 waiting").arg(waiting());
    if (parts.isEmpty())
        return QStringLiteral("no nodes");
    return parts.join(QStringLiteral(" / "));
}

} // namespace Baton
