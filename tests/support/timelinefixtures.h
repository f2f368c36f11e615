#pragma once

#include "core/domain/job.h"
#include "core/domain/jobevent.h"

#include <vector>

#include <QStringList>

namespace Baton::TimelineFixtures {

// Synthetic jobs for timeline, wall and chart tests and benchmarks: a rolling change simulated the way the
// gate runs it (nodes queue, wait for a slot of their service's budget, go into maintenance and run tasks,
// verify, finish), deterministic for a given seed.
struct Rolling
{
    qint64 jobId = 42;
    int nodesPerService = 12;
    QStringList services { QStringLiteral("web"), QStringLiteral("db") };
    int maxOffline = 2;
    qint64 start = 1'790'000'000'000; // ms since the epoch
    int tasksPerNode = 6;
    int failEvery = 0; // every n-th node fails in maintenance; 0 = none
    quint32 seed = 1;
    QString playbook = QStringLiteral("patch.yml");
};

// Every event of the simulated job in time order: job.created (all nodes queued), job.state running,
// node.state and node.task for every node, job.state at the end. seq counts from 1.
std::vector<JobEvent> rollingEvents(const Rolling &params);

// The job as GET /v1/jobs/{id} would answer at `now` (transitions, reasons, current task), replayed from
// rollingEvents(). now <= 0 means after the last event.
Job rollingJob(const Rolling &params, qint64 now = 0);

// When the simulated job ends (its last event).
qint64 rollingEnd(const Rolling &params);

// A job of `lanes` nodes with `segments` alternating state spans each, for benchmarks: states cycle through
// the non-terminal ones with random lengths around `meanSpanMs`; the last span of each node is open.
Job denseJob(int lanes, int segments, qint64 start, qint64 meanSpanMs, quint32 seed = 7);

} // namespace Baton::TimelineFixtures
