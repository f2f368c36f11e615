#include "wallbench.h"

#include "models/timelinejobs.h"
#include "models/timelinemodel.h"
#include "support/timelinefixtures.h"

#include <sys/resource.h>

#include <QAbstractEventDispatcher>
#include <QFile>
#include <QHash>

namespace Baton::WallBench {

Usage usage()
{
    Usage u;
    rusage ru {};
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        u.cpuSeconds = double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6 + double(ru.ru_stime.tv_sec)
            + double(ru.ru_stime.tv_usec) / 1e6;
        u.contextSwitches = ru.ru_nvcsw + ru.ru_nivcsw;
    }
    QFile f(QStringLiteral("/proc/self/statm"));
    if (f.open(QIODevice::ReadOnly)) {
        const QList<QByteArray> parts = f.readAll().split(' ');
        if (parts.size() > 1)
            u.rssKb = parts[1].toLong() * 4;
    }
    return u;
}

WakeCounter::WakeCounter()
{
    if (QAbstractEventDispatcher *d = QAbstractEventDispatcher::instance())
        connect(d, &QAbstractEventDispatcher::awake, this, [this] { ++m_count; });
}

Job runningJob(qint64 id, int nodes, qint64 now, double progress, quint32 seed)
{
    TimelineFixtures::Rolling p;
    p.jobId = id;
    p.nodesPerService = nodes;
    p.services = QStringList { QStringLiteral("svc%1").arg(id % 7) };
    p.maxOffline = std::max(1, nodes / 8);
    p.seed = seed;
    p.start = 0;
    const qint64 length = TimelineFixtures::rollingEnd(p);
    const qint64 cut = qint64(double(length) * progress);
    // Shift the job so that its cut point is now.
    p.start = now - cut;
    Job j = TimelineFixtures::rollingJob(p, now);
    return j;
}

QList<ServiceBudget> budgetsFor(const TimelineJobs &jobs)
{
    QHash<QString, ServiceBudget> by;
    for (qint64 id : jobs.order()) {
        const TimelineModel *m = jobs.model(id);
        for (int i = 0; m && i < m->laneCount(); ++i) {
            const TimelineLane &l = m->lane(i);
            ServiceBudget &b = by[l.service];
            b.service = l.service;
            b.maxOffline = MaxOffline::count(2);
            ++b.instances;
            if (l.state == NodeRunState::InMaintenance || l.state == NodeRunState::Verifying) {
                b.holders << l.node;
                b.offline << OfflinePeer { l.node, QStringLiteral("maintenance: baton job %1").arg(id) };
            }
        }
    }
    QList<ServiceBudget> out = by.values();
    std::sort(
        out.begin(), out.end(), [](const ServiceBudget &a, const ServiceBudget &b) { return a.service < b.service; });
    return out;
}

QString fixed(double v, int decimals)
{
    return QString::number(v, 'f', decimals);
}

} // namespace Baton::WallBench
