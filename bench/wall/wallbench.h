#pragma once

#include "core/domain/job.h"
#include "core/domain/servicebudget.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>

namespace Baton {
class TimelineJobs;
}

namespace Baton::WallBench {

// Process figures from /proc and getrusage.
struct Usage
{
    double cpuSeconds = 0; // user + system, all threads
    long rssKb = 0;
    long contextSwitches = 0; // voluntary + involuntary, all threads
};
Usage usage();

// Counts event-loop wake-ups of the main thread (QAbstractEventDispatcher::awake).
class WakeCounter : public QObject
{
public:
    WakeCounter();
    long count() const { return m_count; }

private:
    long m_count = 0;
};

// A running rolling job whose last event was `ageMs` ago at `now`, `progress` of the way through.
Job runningJob(qint64 id, int nodes, qint64 now, double progress, quint32 seed);
// Budgets of every service the jobs touch, as the Consul watcher would report them.
QList<ServiceBudget> budgetsFor(const TimelineJobs &jobs);

// "12.3" with one decimal.
QString fixed(double v, int decimals = 1);

} // namespace Baton::WallBench
