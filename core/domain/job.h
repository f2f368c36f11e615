#pragma once

#include "core/domain/jobspec.h"
#include "core/domain/jobstate.h"
#include "core/domain/nodecounts.h"
#include "core/domain/noderun.h"

#include <QList>
#include <QString>

namespace Baton {

struct CancelRequest
{
    enum class Mode
    {
        Graceful,
        Force
    };
    Mode mode = Mode::Graceful;
    QString by;
    qint64 atMs = 0;

    bool operator==(const CancelRequest &) const = default;
};

struct Job
{
    qint64 id = 0;
    JobSpec spec;
    QString operatorName; // who launched it (the token's name)
    JobState state = JobState::Queued;
    QString haltReason; // non-empty when a failure stopped admission ("web-3 failed: …")
    qint64 createdAtMs = 0;
    qint64 startedAtMs = 0;
    qint64 finishedAtMs = 0;
    std::optional<CancelRequest> cancel;
    qint64 relaunchOf = 0; // the job this one re-runs failed nodes of, 0 if none
    NodeCounts counts; // kept in step with nodes; the list endpoint sends counts without nodes
    QList<NodeRun> nodes;

    NodeRun *findNode(const QString &node);
    const NodeRun *findNode(const QString &node) const;
    NodeCounts countNodes() const;
    // True while a failure has stopped admission of new nodes and the job has not finished yet.
    bool isHalted() const;

    bool operator==(const Job &) const = default;
};

} // namespace Baton
