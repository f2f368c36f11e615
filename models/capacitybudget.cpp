#include "models/capacitybudget.h"

#include "models/timelinemodel.h"

#include <algorithm>

#include <QHash>
#include <QSet>

namespace Baton {

namespace {

bool holdsNode(const BudgetRun &r)
{
    return r.state == NodeRunState::InMaintenance || r.state == NodeRunState::Verifying
        || (isTerminal(r.state) && r.maintenanceLeftOn);
}

} // namespace

CapacityBudget CapacityBudget::compute(const ServiceBudget &budget, qint64 thisJobId, const QList<BudgetRun> &runs)
{
    CapacityBudget out;
    out.service = budget.service;
    out.instances = budget.instances;
    out.limit = budget.limit();
    out.maxOffline = budget.maxOffline.toString();
    out.maxOfflineDescription = budget.maxOffline.describe(budget.instances);
    out.warning = budget.maxOfflineWarning;

    // Runs by node: the one that explains the node best (holding it beats merely running).
    QHash<QString, const BudgetRun *> holding;
    QHash<QString, const BudgetRun *> running;
    QHash<QString, const BudgetRun *> finished;
    for (const BudgetRun &r : runs) {
        if (!r.service.isEmpty() && !budget.service.isEmpty() && r.service != budget.service)
            continue;
        if (holdsNode(r))
            holding.insert(r.node, &r);
        if (!isTerminal(r.state))
            running.insert(r.node, &r);
        else
            finished.insert(r.node, &r);
    }
    auto attribute = [&](const BudgetRun *r, Offline &o) {
        o.jobId = r->jobId;
        o.cause = (thisJobId != 0 && r->jobId == thisJobId) ? Cause::ThisJob : Cause::OtherJob;
    };

    QSet<QString> seen;
    for (const QString &node : budget.holders) {
        if (seen.contains(node))
            continue;
        seen.insert(node);
        Offline o;
        o.node = node;
        o.reason = QStringLiteral("holds a slot");
        for (const OfflinePeer &p : budget.offline) {
            if (p.node == node)
                o.reason = p.reason;
        }
        // A run that has just finished still shows as a holder until Consul's next answer (the job stream is
        // usually faster than the watch): its slot is still that run's, not some unseen job's.
        if (const BudgetRun *r = holding.value(node, running.value(node, finished.value(node))))
            attribute(r, o);
        else
            o.cause = Cause::OtherJob; // a Baton run this console does not see
        out.offline << o;
    }
    for (const OfflinePeer &p : budget.offline) {
        if (seen.contains(p.node))
            continue;
        seen.insert(p.node);
        Offline o;
        o.node = p.node;
        o.reason = p.reason;
        if (const BudgetRun *r = holding.value(p.node))
            attribute(r, o);
        else if (p.reason.startsWith(QLatin1StringView("maintenance")))
            o.cause = Cause::Manual;
        else
            o.cause = Cause::FailingCheck;
        out.offline << o;
    }
    std::sort(out.offline.begin(), out.offline.end(), [](const Offline &a, const Offline &b) {
        return a.cause != b.cause ? a.cause < b.cause : TimelineModel::nodeLess(a.node, b.node);
    });

    for (const BudgetRun &r : runs) {
        if (r.state != NodeRunState::WaitingForSlot)
            continue;
        if (!budget.service.isEmpty() && r.service != budget.service)
            continue;
        out.queue << Waiting { r.node, r.jobId, r.sinceMs, thisJobId != 0 && r.jobId == thisJobId };
    }
    std::sort(out.queue.begin(), out.queue.end(), [](const Waiting &a, const Waiting &b) {
        return a.sinceMs != b.sinceMs ? a.sinceMs < b.sinceMs : TimelineModel::nodeLess(a.node, b.node);
    });
    return out;
}

int CapacityBudget::count(Cause cause) const
{
    return int(std::count_if(offline.begin(), offline.end(), [cause](const Offline &o) { return o.cause == cause; }));
}

QString CapacityBudget::causeName(Cause cause)
{
    switch (cause) {
    case Cause::ThisJob:
        return QStringLiteral("this job");
    case Cause::OtherJob:
        return QStringLiteral("another job");
    case Cause::Manual:
        return QStringLiteral("manual maintenance");
    case Cause::FailingCheck:
        return QStringLiteral("failing check");
    }
    return QString();
}

QString CapacityBudget::summary() const
{
    QStringList parts;
    for (int c = 0; c < kCauseCount; ++c) {
        if (const int n = count(Cause(c)); n > 0)
            parts << QStringLiteral("%1 %2").arg(n).arg(causeName(Cause(c)));
    }
    QString text = isFrozen() ? QStringLiteral("frozen (max_offline 0)")
                              : QStringLiteral("%1 of %2 offline").arg(occupied()).arg(limit);
    if (!parts.isEmpty())
        text += QStringLiteral(": ") + parts.join(QStringLiteral(", "));
    if (!queue.isEmpty())
        text += QStringLiteral(" · %1 waiting").arg(queue.size());
    return text;
}

QList<BudgetRun> budgetRunsOf(const Job &job)
{
    QList<BudgetRun> out;
    out.reserve(job.nodes.size());
    for (const NodeRun &r : job.nodes) {
        const qint64 since = r.transitions.isEmpty() ? r.lastEventAtMs : r.transitions.constLast().atMs;
        out << BudgetRun { job.id, r.node, r.service, r.state, since, r.maintenanceLeftOn };
    }
    return out;
}

QList<BudgetRun> budgetRunsOf(const TimelineModel &model)
{
    QList<BudgetRun> out;
    out.reserve(model.laneCount());
    for (int i = 0; i < model.laneCount(); ++i) {
        const TimelineLane &l = model.lane(i);
        const qint64 since = l.spans.empty() ? 0 : l.spans.back().start;
        out << BudgetRun { model.jobId(), l.node, l.service, l.state, since, l.maintenanceLeftOn };
    }
    return out;
}

} // namespace Baton
